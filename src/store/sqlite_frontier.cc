// The crawl frontier: state names shared by every backend.
#include "store/frontier.h"

namespace hc::store {

std::string_view UrlStateName(UrlState state) {
  switch (state) {
    case UrlState::kQueued: return "queued";
    case UrlState::kInFlight: return "in_flight";
    case UrlState::kDone: return "done";
    case UrlState::kFailed: return "failed";
    case UrlState::kRedirected: return "redirected";
  }
  return "unknown";
}

}  // namespace hc::store
