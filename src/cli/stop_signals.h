// StopSignals: SIGINT/SIGTERM (and, for `crawl`, SIGHUP: a closed terminal or ssh session) as a
// graceful-stop request, for the commands that run long (crawl, scheduler run). The first signal sets the stop flag the command polls; a second one a second or
// more later ends the process the default way (a user who means it); copies arriving within a second
// of the first are one request, because `timeout`, shells and service managers (systemd's
// KillMode=control-group) often signal both the process and its group.
#pragma once

#include <atomic>
#include <csignal>

namespace hc::cli {

class StopSignals {
 public:
  // Clears the stop flag and installs the handlers; the destructor restores the previous ones. One
  // instance at a time (the handlers and the flag are process-wide). With `hangup`, SIGHUP stops too
  // (without it SIGHUP keeps its previous disposition).
  explicit StopSignals(bool hangup = false);
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Set once a stop was asked for; stays set after the handlers are restored.
  static std::atomic<bool>& flag();

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
  struct sigaction old_hup_ {};
  bool hangup_ = false;
};

}  // namespace hc::cli
