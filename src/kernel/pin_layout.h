// Names of what `pooltag enable` pins under its directory. The pins are the
// persistent state: links keep programs attached after the command exits,
// maps keep the counts readable by every later command.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace pooltag::kernel::pins {

inline constexpr std::string_view kState = "state";
inline constexpr std::string_view kLiveKeys = "live_keys";
inline constexpr std::string_view kLiveEntries = "live_entries";
inline constexpr std::string_view kSites = "sites";
inline constexpr std::string_view kSiteStats = "site_stats";
inline constexpr std::string_view kCounters = "counters";
inline constexpr std::string_view kAllocatorRanges = "allocator_ranges";
inline constexpr std::string_view kStacks = "stacks";
inline constexpr std::string_view kStackStats = "stack_stats";
inline constexpr std::string_view kHitEvents = "hit_events";
inline constexpr std::string_view kPoolHitTag = "poolhittag";  // the hit tag variable (nt!PoolHitTag)
inline constexpr std::string_view kStackTags = "stacktags";
inline constexpr std::string_view kDumpSites = "dump_sites";
inline constexpr std::string_view kDumpRequest = "dump_request";
inline constexpr std::string_view kLinkPrefix = "link_";
inline constexpr std::string_view kDumpIterator = "link_pt_dump";  // read it to run the dump iterator

inline constexpr std::array<std::string_view, 14> kMaps = {
    kState,     kLiveKeys,  kLiveEntries, kSites,     kSiteStats, kCounters,  kAllocatorRanges,
    kStacks,    kStackStats, kHitEvents,  kPoolHitTag, kStackTags, kDumpSites, kDumpRequest};

inline std::string path(const std::string &dir, std::string_view name) { return dir + "/" + std::string(name); }

}  // namespace pooltag::kernel::pins
