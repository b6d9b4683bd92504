#include "model/tag_sites.h"

#include <algorithm>

namespace pooltag::model {

std::map<std::string, std::vector<TagSite>> sites_by_tag(
    const Snapshot &snapshot, const SiteTagger &tagger, const CodeSymbolizer &symbols,
    const std::function<bool(const std::string &tag, const SiteSample &sample)> &want) {
  std::map<std::string, std::vector<TagSite>> by_tag;
  for (const auto &s : snapshot.sites) {
    if (s.counts.empty()) continue;
    std::string tag = tagger.tag_of(s.site).tag;
    if (!want(tag, s)) continue;
    by_tag[tag].push_back({s.site.code_address ? symbols.describe(s.site.code_address) : "<unknown>", &s});
  }
  for (auto &[_, sites] : by_tag)
    std::stable_sort(sites.begin(), sites.end(), [](const TagSite &a, const TagSite &b) {
      int64_t a_bytes = a.sample->counts.bytes(), b_bytes = b.sample->counts.bytes();
      return a_bytes != b_bytes ? a_bytes > b_bytes : a.where < b.where;
    });
  return by_tag;
}

}  // namespace pooltag::model
