#include "views/kernel_view.h"

#include <fmt/format.h>

namespace pooltag::views {

namespace {

// The program chosen for a tracepoint, "" when none.
std::string program_for(const kernel::TaggingPlan &plan, std::string_view tracepoint) {
  for (const auto &a : plan.attachments())
    if (a.target == tracepoint) return a.program;
  return "";
}

constexpr std::string_view kBulkConsequence =
    "objects freed by kmem_cache_free_bulk (kfree_bulk, kfree_rcu batches) are retired only when their address is "
    "allocated again, so their sites' Diff and Bytes are upper bounds (≤)";

// "this kernel has no ..." names the kernel: "this kernel (6.1.0-57-amd64) has no ...".
std::string naming_release(std::string reason, const std::string &release) {
  if (reason.rfind("this kernel ", 0) == 0) reason.insert(11, " (" + release + ")");
  return reason;
}

// What pooltag does with a feature, with the option that uses it named
// (the kernel's feature table says it without).
std::string feature_use(const kernel::FeatureInfo &f) {
  if (f.feature == kernel::Feature::TestRun) return std::string(f.use) + " (find --dump)";
  return std::string(f.use);
}

}  // namespace

std::string bulk_reason(const kernel::TaggingPlan &plan) {
  if (plan.bulk.reason == kernel::kBulkDeclined) return "turned off (enable --no-bulk-paths)";
  return plan.bulk.reason;
}

std::vector<std::string> plan_messages(const kernel::TaggingPlan &plan, const std::string &release) {
  std::vector<std::string> out;
  for (const auto &p : plan.pools) {
    auto name = model::pool_name(p.pool);
    if (p.requested && !p.on)
      out.push_back(fmt::format("{} pool: {}; {} allocations are not tagged", name, naming_release(p.reason, release),
                                name));
    else if (p.on && !p.note.empty())
      out.push_back(fmt::format("{} pool: {}", name, p.note));
  }
  if (plan.pool(model::Pool::Slab).on && !plan.bulk.on && !plan.bulk.reason.empty())
    out.push_back(fmt::format("bulk frees: {}: {}", naming_release(bulk_reason(plan), release), kBulkConsequence));
  for (const auto &note : plan.bulk.notes) out.push_back("bulk frees: " + note);
  if (plan.hash_live_table)
    out.push_back(fmt::format("live table: this kernel ({}) has no BPF atomics (Linux 5.12+): a hash map holds the "
                              "live allocations, which costs more per allocation",
                              release));
  return out;
}

std::vector<Capability> capabilities(const kernel::KernelFeatures &kernel, const kernel::TaggingPlan &plan,
                                     model::PoolSet enabled, std::optional<bool> bulk_paths) {
  std::vector<Capability> out;
  for (const auto &p : plan.pools) {
    Capability c{fmt::format("{} pool", model::pool_name(p.pool)), enabled.has(p.pool), ""};
    if (c.on)
      c.detail = p.note;
    else if (!p.on && p.requested)
      c.detail = p.reason;
    else if (!p.on && !p.reason.empty())
      c.detail = p.reason + "; not asked for";
    else
      c.detail = fmt::format("not asked for (--pools {})", model::pool_name(p.pool));
    out.push_back(std::move(c));
  }
  out.push_back({"bucket live table", !plan.hash_live_table,
                 plan.hash_live_table ? "no BPF atomics (Linux 5.12+): the live table is a hash map, which costs more"
                                      : ""});
  const auto &ring = kernel.probe(kernel::Feature::RingBuffer);
  out.push_back({"hit events", ring.available, ring.available ? "" : "no BPF ring buffer (Linux 5.8+): " + ring.detail});
  const auto &run = kernel.probe(kernel::Feature::TestRun);
  out.push_back({"object dumps (find --dump)", run.available,
                 run.available ? "" : "no BPF_PROG_TEST_RUN for raw_tp (Linux 5.10+): " + run.detail});
  Capability bulk{"exact bulk frees", bulk_paths.value_or(plan.bulk.on), ""};
  if (!bulk.on)
    bulk.detail = (plan.bulk.reason.empty() ? std::string("not attached") : bulk_reason(plan)) +
                  ": objects freed by kmem_cache_free_bulk (kfree_bulk, kfree_rcu batches) are retired when their "
                  "address is allocated again (implicit frees; their sites' counts are upper bounds)";
  else if (!plan.bulk.notes.empty())
    bulk.detail = plan.bulk.notes.front();
  out.push_back(std::move(bulk));
  return out;
}

std::string capability_text(const std::vector<Capability> &caps) {
  std::string out;
  for (const auto &c : caps)
    out += fmt::format("  {:<28} {:<3}{}\n", c.name, c.on ? "on" : "off", c.detail.empty() ? "" : "  " + c.detail);
  return out;
}

nlohmann::json capability_json(const std::vector<Capability> &caps) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto &c : caps) {
    nlohmann::json j = {{"name", c.name}, {"on", c.on}};
    if (!c.detail.empty()) j["detail"] = c.detail;
    out.push_back(std::move(j));
  }
  return out;
}

std::string check_text(const kernel::KernelFeatures &kernel, const kernel::TaggingPlan &plan) {
  std::string out;
  out += fmt::format("kernel:          {}\n", kernel.release);
  out += fmt::format("BTF:             {}\n", kernel.btf ? "yes (/sys/kernel/btf/vmlinux)" : "no: " + kernel.btf_detail);
  // a tracepoint or function: its prototype (or absent) and the program it gets
  auto target = [&](std::string_view name, const std::string *prototype) {
    std::string prog = program_for(plan, name);
    out += fmt::format("  {:<28} {}\n", name,
                       prototype ? *prototype + (prog.empty() ? "" : "  -> " + prog) : std::string("absent"));
  };
  out += "tracepoints:\n";
  for (auto name : kernel::tracepoint_names()) {
    const auto *tp = kernel.tracepoint(name);
    std::string text = tp ? tp->text() : "";
    target(name, tp ? &text : nullptr);
  }
  out += "kernel functions (the bulk paths):\n";
  for (auto name : kernel::function_names()) {
    const auto *f = kernel.function(name);
    std::string text = f ? f->text() : "";
    target(name, f ? &text : nullptr);
  }
  out += "BPF features:\n";
  for (const auto &f : kernel::feature_table()) {
    const auto &p = kernel.probe(f.feature);
    out += fmt::format("  {:<28} {:<4}{}  ({})\n", f.name, p.available ? "yes" : "no",
                       p.available || p.detail.empty() ? "" : " " + p.detail,
                       f.since.empty() ? feature_use(f) : fmt::format("{}+: {}", f.since, feature_use(f)));
  }
  out += "pooltag on this kernel:\n";
  out += capability_text(capabilities(kernel, plan, plan.enabled()));
  if (plan.fatal.empty())
    out += fmt::format("tagging can work: pools {}\n", plan.enabled().to_string());
  else
    out += fmt::format("tagging cannot work: {}\n", plan.fatal);
  return out;
}

nlohmann::json check_json(const kernel::KernelFeatures &kernel, const kernel::TaggingPlan &plan) {
  nlohmann::json tracepoints = nlohmann::json::object();
  for (auto name : kernel::tracepoint_names()) {
    const auto *tp = kernel.tracepoint(name);
    nlohmann::json j = {{"present", tp != nullptr}};
    if (tp) j["prototype"] = tp->params;
    if (auto prog = program_for(plan, name); !prog.empty()) j["program"] = prog;
    tracepoints[std::string(name)] = std::move(j);
  }
  nlohmann::json functions = nlohmann::json::object();
  for (auto name : kernel::function_names()) {
    const auto *f = kernel.function(name);
    nlohmann::json j = {{"present", f != nullptr}};
    if (f) {
      j["returns"] = f->returns;
      j["prototype"] = f->params;
    }
    if (auto prog = program_for(plan, name); !prog.empty()) j["program"] = prog;
    functions[std::string(name)] = std::move(j);
  }
  nlohmann::json features = nlohmann::json::object();
  for (const auto &f : kernel::feature_table()) {
    const auto &p = kernel.probe(f.feature);
    nlohmann::json j = {{"available", p.available}, {"since", f.since}, {"use", feature_use(f)}};
    if (!p.detail.empty()) j["detail"] = p.detail;
    features[std::string(f.name)] = std::move(j);
  }
  return {{"release", kernel.release},
          {"btf", kernel.btf},
          {"tracepoints", tracepoints},
          {"functions", functions},
          {"features", features},
          {"live_table", plan.hash_live_table ? "hash" : "buckets"},
          {"site_counters", plan.plain_site_counters() ? "plain" : "locked"},
          {"capabilities", capability_json(capabilities(kernel, plan, plan.enabled()))},
          {"messages", plan_messages(plan, kernel.release)},
          {"can_tag", plan.fatal.empty()},
          {"pools", plan.enabled().to_string()},
          {"error", plan.fatal.empty() ? nlohmann::json(nullptr) : nlohmann::json(plan.fatal)}};
}

}  // namespace pooltag::views
