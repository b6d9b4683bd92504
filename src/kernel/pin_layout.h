// What `pooltag enable` pins under its directory, in one table. The pins
// are the persistent state: links keep programs attached after the command
// exits, maps keep the counts readable by every later command. The loader
// pins the table's objects, a reader (PinnedState) opens them, disable
// removes them. The names are the layout on disk: an older pooltag's pins
// are read by name, so renaming one needs a new PT_STATE_VERSION.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct bpf_map;
struct bpf_program;
struct pooltag_bpf;  // the generated skeleton (build/bpf/pooltag_bpf.skel.h)

namespace pooltag::kernel::pins {

// A pinned object; also the place of its fd among a reader's.
enum class Pin : uint8_t {
  State,            // enable's settings (pt_state)
  LiveKeys,         // the live table (mmapable)
  LiveEntries,
  LiveHash,         // the live table without BPF atomics
  Sites,            // the site table and its per-CPU counters (mmapable)
  SiteStats,
  Counters,         // global per-CPU counters of the uncommon paths
  AllocatorRanges,  // code ranges stack attribution skips
  Stacks,           // recorded stacks and their counters
  StackStats,
  HitEvents,        // the hit ring buffer
  PoolHitTag,       // the hit tag variable (nt!PoolHitTag)
  StackTags,        // the stack tags
  DumpRequest,      // the dump program's addresses in
  DumpOutput,       // and its object bytes out
  DumpProgram,      // run it (BPF_PROG_TEST_RUN) to read objects
};
inline constexpr size_t kCount = static_cast<size_t>(Pin::DumpProgram) + 1;  // the last Pin
constexpr size_t index(Pin pin) { return static_cast<size_t>(pin); }

struct PinnedObject {
  Pin pin;
  std::string_view name;  // its file in the pin directory
  // Where the loader finds it in the skeleton: a map, or else a program.
  bpf_map *(*map)(pooltag_bpf &);
  bpf_program *(*program)(pooltag_bpf &);
  bool opened;  // a reader opens it (PinnedState); only the programs read the allocator ranges
};

// Every object, in the order enable pins them: objects()[index(p)].pin == p.
const std::array<PinnedObject, kCount> &objects();
inline const PinnedObject &object(Pin pin) { return objects()[index(pin)]; }

// link_<target>: one pinned BPF link per tracepoint or function with a
// program, which keeps it attached. Not in the table: which are pinned
// depends on the kernel (the plan).
inline constexpr std::string_view kLinkPrefix = "link_";
inline std::string link_name(std::string_view target) { return std::string(kLinkPrefix) + std::string(target); }
constexpr bool is_link(std::string_view name) { return name.substr(0, kLinkPrefix.size()) == kLinkPrefix; }

inline std::string path(const std::string &dir, std::string_view name) { return dir + "/" + std::string(name); }
inline std::string path(const std::string &dir, Pin pin) { return path(dir, object(pin).name); }

// The names in `dir` ("." and ".." aside); nullopt when it cannot be
// read, errno saying why.
std::optional<std::vector<std::string>> entries(const std::string &dir);
// The links pinned in `dir` (none when it cannot be read).
std::vector<std::string> links(const std::string &dir);

}  // namespace pooltag::kernel::pins
