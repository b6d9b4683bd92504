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
inline constexpr std::string_view kLinkPrefix = "link_";

inline constexpr std::array<std::string_view, 7> kMaps = {kState,    kLiveKeys, kLiveEntries,     kSites,
                                                          kSiteStats, kCounters, kAllocatorRanges};

inline std::string path(const std::string &dir, std::string_view name) { return dir + "/" + std::string(name); }

}  // namespace pooltag::kernel::pins
