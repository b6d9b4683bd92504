// The allocation sites under each tag, largest first: what mon's detail
// view (Enter on a row) and kd's verbose !poolused list under a tag. One
// grouping, so the two agree on which sites a tag has and in what order.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "model/tagging.h"

namespace pooltag::model {

struct TagSite {
  std::string where;  // the code address as "function+0xoff [module]", or "<unknown>"
  const SiteSample *sample = nullptr;  // into the snapshot given
};

// The sites with counts that `want` accepts (given the site's tag), by
// tag; each tag's sites by Bytes, largest first, then by `where`. The
// samples point into `snapshot`, which must outlive the result.
std::map<std::string, std::vector<TagSite>> sites_by_tag(
    const Snapshot &snapshot, const SiteTagger &tagger, const CodeSymbolizer &symbols,
    const std::function<bool(const std::string &tag, const SiteSample &sample)> &want);

}  // namespace pooltag::model
