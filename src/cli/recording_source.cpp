#include "cli/recording_source.h"

#include <filesystem>

#include "kernel/system.h"
#include "model/tag_table.h"
#include "views/stack_view.h"

namespace pooltag::cli {

std::string default_recording_path() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  auto dir = exe.parent_path().filename();
  if (!ec && (dir == "sbin" || dir == "bin")) return "/var/lib/pooltag/pooltag.db";
  return "pooltag.db";
}

Result<std::unique_ptr<LiveSampler>> LiveSampler::create(const Context &ctx, const TagArgs &tags) {
  std::unique_ptr<LiveSampler> s(new LiveSampler(ctx, tags));
  auto tagging = Tagging::load(tags, ctx.kallsyms_path);
  if (!tagging) return tagging.error();
  s->tagging_ = std::move(*tagging);
  return s;
}

Result<record::Sample> LiveSampler::take() {
  record::Sample sample;
  sample.time_ns = ctx_.system->realtime_ns();
  auto meminfo = kernel::FileMemInfoSource().read();
  if (!meminfo) return meminfo.error();
  sample.meminfo = record::Meminfo::of(*meminfo);
  auto session = engine::Session::attach(ctx_.pin_dir, tagging_);
  if (!session) {
    if (session.error().exit_code == kExitNotEnabled) return sample;
    return session.error();
  }
  const model::Grouping grouping = tagging_->grouping();
  auto tagged = (*session)->tagged_snapshot(
      model::TableOptions{PatternFilter{}, std::nullopt, model::SortKey::Tag, false}, grouping == model::Grouping::Stack);
  if (!tagged) return tagged.error();
  const model::Snapshot &snapshot = tagged->snapshot;
  sample.session = record::SessionKey{snapshot.enabled_since_ns, std::string(model::grouping_name(grouping)),
                                      tags_.tags_file, ctx_.pin_dir};
  sample.tags = record::tag_values(tagged->table);

  // Recorded stacks (pooltag stacks): what each holds outstanding, under the
  // tag of its site.
  auto stacks = (*session)->stack_counts(snapshot);
  if (!stacks) return stacks.error();
  std::map<uint32_t, const model::Site *> sites;
  for (const auto &s : snapshot.sites) sites.emplace(s.id, &s.site);  // split by stack or not: the same site
  for (const auto &stack : *stacks) {
    auto site = sites.find(stack.site);
    if (site == sites.end() || stack.allocs == stack.frees) continue;
    model::Site whole = *site->second;
    whole.stack_id = -1;
    auto key = std::make_pair(snapshot.enabled_since_ns, stack.stack_id);
    auto frames = frames_.find(key);
    if (frames == frames_.end()) {
      std::string text;
      for (const auto &f : views::stack_frames((*session)->stack(stack.stack_id), tagging_->symbolizer()))
        text += f + "\n";
      frames = frames_.emplace(key, text).first;
    }
    sample.stacks.push_back(record::StackValue{stack.stack_id, tagging_->tagger().tag_of(whole).tag, frames->second,
                                               stack.allocs, stack.frees,
                                               static_cast<int64_t>(stack.alloc_bytes - stack.free_bytes)});
  }
  return sample;
}

}  // namespace pooltag::cli
