// StopSignals: see stop_signals.h.
#include "cli/stop_signals.h"

#include <time.h>

#include <atomic>
#include <csignal>
#include <cstdint>

namespace hc::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int64_t> g_first_signal_ms{0};  // monotonic ms + 1 of the first signal; 0: none yet

extern "C" void OnStopSignal(int sig) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);  // async-signal-safe (POSIX.1-2008 2.4.3)
  const int64_t now = static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000 + 1;
  int64_t first = 0;
  if (g_first_signal_ms.compare_exchange_strong(first, now)) {
    g_stop.store(true);
    return;
  }
  if (now - first >= 1000) {
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
}

}  // namespace

StopSignals::StopSignals(bool hangup) : hangup_(hangup) {
  g_stop = false;
  g_first_signal_ms = 0;
  struct sigaction action {};
  action.sa_handler = &OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int_);
  sigaction(SIGTERM, &action, &old_term_);
  if (hangup_) sigaction(SIGHUP, &action, &old_hup_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
  if (hangup_) sigaction(SIGHUP, &old_hup_, nullptr);
}

std::atomic<bool>& StopSignals::flag() { return g_stop; }

}  // namespace hc::cli
