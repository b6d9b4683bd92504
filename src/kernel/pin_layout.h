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
inline constexpr std::string_view kLiveHash = "live_hash";  // the live table without BPF atomics
inline constexpr std::string_view kSites = "sites";
inline constexpr std::string_view kSiteStats = "site_stats";
inline constexpr std::string_view kCounters = "counters";
inline constexpr std::string_view kAllocatorRanges = "allocator_ranges";
inline constexpr std::string_view kStacks = "stacks";
inline constexpr std::string_view kStackStats = "stack_stats";
inline constexpr std::string_view kHitEvents = "hit_events";
inline constexpr std::string_view kPoolHitTag = "poolhittag";  // the hit tag variable (nt!PoolHitTag)
inline constexpr std::string_view kStackTags = "stacktags";
inline constexpr std::string_view kDumpRequest = "dump_request";
inline constexpr std::string_view kDumpOutput = "dump_output";
inline constexpr std::string_view kDumpProgram = "prog_dump";  // run it (BPF_PROG_TEST_RUN) to read objects
inline constexpr std::string_view kLinkPrefix = "link_";  // link_<tracepoint>: a program attached there

inline constexpr std::array<std::string_view, 15> kMaps = {
    kState,      kLiveKeys,  kLiveEntries, kLiveHash,  kSites,     kSiteStats,  kCounters,  kAllocatorRanges,
    kStacks,     kStackStats, kHitEvents,  kPoolHitTag, kStackTags, kDumpRequest, kDumpOutput};

inline std::string path(const std::string &dir, std::string_view name) { return dir + "/" + std::string(name); }

}  // namespace pooltag::kernel::pins
