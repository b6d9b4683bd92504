// The terminal side of `pooltag mon`: draws what MonModel::render() returns
// with curses and hands keys back to the model. Everything worth testing is
// in mon_model.h; this file only maps styles to attributes and KEY_* codes
// to MonKey.
#pragma once

#include <csignal>

#include "common/result.h"
#include "views/mon_model.h"

namespace pooltag::views {

// Refreshes the model every options().interval_ns and on request, draws it,
// reads keys; returns when the user quits or `stop` becomes non-zero (set by
// a signal handler). Needs a terminal on stdin and stdout; leaves the
// terminal as it found it.
Status run_mon_screen(MonModel &mon, const volatile std::sig_atomic_t &stop);

}  // namespace pooltag::views
