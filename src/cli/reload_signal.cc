// ReloadSignal: see reload_signal.h.
#include "cli/reload_signal.h"

#include <atomic>
#include <csignal>

namespace hc::cli {
namespace {

std::atomic<bool> g_reload{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

extern "C" void OnReloadSignal(int) { g_reload.store(true); }

}  // namespace

ReloadSignal::ReloadSignal() {
  g_reload = false;
  struct sigaction action {};
  action.sa_handler = &OnReloadSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, &old_hup_);
}

ReloadSignal::~ReloadSignal() { sigaction(SIGHUP, &old_hup_, nullptr); }

std::atomic<bool>& ReloadSignal::flag() { return g_reload; }

}  // namespace hc::cli
