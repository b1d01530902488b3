// ReloadSignal: SIGHUP as a request to reload the configuration, for the scheduler daemon (`scheduler
// run`; systemd's ExecReload=kill -HUP $MAINPID). The handler only sets a flag that the daemon's loop
// polls; several SIGHUPs before the loop looks are one reload. Kept apart from StopSignals, for which
// SIGHUP (a closed terminal) means stop: a daemon has no terminal, so there it means reload.
#pragma once

#include <atomic>
#include <csignal>

namespace hc::cli {

class ReloadSignal {
 public:
  // Clears the flag and installs the SIGHUP handler; the destructor restores the previous one. One
  // instance at a time (the handler and the flag are process-wide). Construct it after StopSignals (and
  // so destroy it before), so that its handler is the one SIGHUP finds.
  ReloadSignal();
  ~ReloadSignal();
  ReloadSignal(const ReloadSignal&) = delete;
  ReloadSignal& operator=(const ReloadSignal&) = delete;

  // Set by each SIGHUP; whoever acts on it clears it (exchange(false)).
  static std::atomic<bool>& flag();

 private:
  struct sigaction old_hup_ {};
};

}  // namespace hc::cli
