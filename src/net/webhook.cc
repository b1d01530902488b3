// PostJson: a blocking libcurl easy transfer with a hard total timeout. The address filter is the
// fetcher's (fetcher_internal::AddressFilter), applied in CURLOPT_OPENSOCKETFUNCTION so a refused
// address never sees a packet.
#include "net/webhook.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <memory>
#include <set>
#include <string>

#include "core/version.h"
#include "net/fetcher_internal.h"

namespace hc::net {
namespace {

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Context {
  const fetcher_internal::AddressFilter* filter = nullptr;
  std::string refused;  // the first address the filter refused
};

curl_socket_t OpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* context = static_cast<Context*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN && !context->filter->Permits(&address->addr)) {
    if (context->refused.empty()) context->refused = fetcher_internal::AddressToString(&address->addr);
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

// The receiver's reply is not used; reading it keeps libcurl from printing it to stdout.
size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

Status PostJson(const WebhookRequest& request) {
  if (request.url.rfind("http://", 0) != 0 && request.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("webhook: not an http(s) URL: " + request.url);
  }
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global_init != CURLE_OK) return Status::Internal("webhook: curl_global_init failed");
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return Status::Internal("webhook: curl_easy_init failed");
  std::set<std::string> exempt;
  for (const auto& host : fetcher_internal::ProxyHosts(std::nullopt))
    exempt.merge(fetcher_internal::ResolveAll(host));
  const fetcher_internal::AddressFilter filter(request.allow_private_addresses, std::move(exempt));
  Context context{&filter, {}};
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      curl_slist_append(nullptr, "Content-Type: application/json"));
  char error[CURL_ERROR_SIZE] = {};
  const std::string agent = request.user_agent.empty() ? DefaultUserAgent() : request.user_agent;
  const long timeout_ms = static_cast<long>(request.timeout.count());
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.json.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.json.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, agent.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: other threads run
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Discard);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &context);
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    if (!context.refused.empty()) {
      return Status::IoError("webhook: private address " + context.refused +
                             " refused (alerts.webhook.allow_private_addresses allows it)");
    }
    return Status::IoError(std::string("webhook: ") + (error[0] != '\0' ? error : curl_easy_strerror(rc)));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) return Status::IoError("webhook: http " + std::to_string(status));
  return Status::Ok();
}

}  // namespace hc::net
