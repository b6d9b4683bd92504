// What the subcommands that read the pinned state share: the --by and
// --tags options (engine::TaggingOptions), opening an engine session from
// the context, and the checks of their arguments.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/context.h"
#include "engine/session.h"
#include "engine/tagging.h"

namespace pooltag::cli {

using TagArgs = engine::TaggingOptions;
using engine::Tagging;
void add_tag_options(CLI::App *cmd, TagArgs &args);

// The engine session of `command` on the context's pinned state.
Result<std::unique_ptr<engine::Session>> open_session(const Context &ctx, const TagArgs &args,
                                                      std::string_view command);

// A tag pattern as given on the command line: not empty, no control
// characters (usage errors).
Status check_tag_pattern(const std::string &pattern);

// "slab" -> Pool; empty -> none; anything else a usage error.
Result<std::optional<model::Pool>> parse_pool_option(const std::string &text);

}  // namespace pooltag::cli
