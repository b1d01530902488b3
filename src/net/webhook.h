// net/webhook.h: one JSON POST to a URL someone configured to be told about an event (the drift
// alarm's webhook, docs/drift.md). Bounded in time, refuses private addresses like the fetcher, and
// never follows redirects (a 3xx is a failure: the receiver is misconfigured).
//
// Thread-safety: PostJson may be called from any thread; each call uses its own easy handle.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"

namespace hc::net {

struct WebhookRequest {
  std::string url;         // http:// or https://
  std::string json;        // the body, sent as application/json
  std::string user_agent;  // "" = DefaultUserAgent()
  // Connect and total time; past it the POST is abandoned (a timeout error).
  std::chrono::milliseconds timeout{5000};
  // Permit loopback, private and other special-purpose addresses (RFC 6890); refused otherwise, as
  // the fetcher refuses them, before any packet is sent.
  bool allow_private_addresses = false;
};

// Ok when the receiver answered 2xx. Otherwise an error whose message is the reason: InvalidArgument
// for a URL that is not http(s); IoError "webhook: <what>" for a refused address ("private address
// 127.0.0.1 refused"), a network error or timeout (libcurl's message), or a status ("http 500").
Status PostJson(const WebhookRequest& request);

}  // namespace hc::net
