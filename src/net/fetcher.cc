// CurlFetcher: the libcurl multi-interface implementation of Fetcher. See fetcher.h for the contract.
//
// Shape (curl docs/examples/10-at-a-time.c): a queue of submitted requests; Perform() moves as many as
// the concurrency caps allow onto the multi handle, drives them with curl_multi_perform, drains
// CURLMSG_DONE messages into FetchResults, and otherwise sleeps in curl_multi_poll, which
// curl_multi_wakeup interrupts. Each easy handle carries its Transfer through CURLOPT_PRIVATE and the
// callbacks' user pointers.

#include "net/fetcher.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unordered_map>

#include "core/text.h"
#include "net/fetcher_internal.h"

namespace hc::net {
namespace {

using fetcher_internal::AddressFilter;
using SteadyClock = std::chrono::steady_clock;

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct MultiDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
struct ShareDeleter {
  void operator()(CURLSH* handle) const { curl_share_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;
using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
using SharePtr = std::unique_ptr<CURLSH, ShareDeleter>;
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// A submitted request waiting for a slot.
struct QueuedRequest {
  FetchRequest request;
  std::string host;  // lowercased host name: the per-host accounting key
  SteadyClock::time_point submitted;
};

// One running transfer. Its address is the easy handle's CURLOPT_PRIVATE and every callback's user
// pointer, so it must not move while the handle is on the multi handle (it lives in a unique_ptr).
struct Transfer {
  QueuedRequest queued;
  EasyPtr easy;
  SlistPtr request_headers;
  FetchResult result;
  std::size_t max_body = 0;
  std::size_t max_header = 0;
  std::size_t header_bytes = 0;
  bool too_large = false;
  bool body_started = false;  // OnBody ran: the header block was complete
  std::string too_large_message;
  std::string refused_address;  // the first address the filter refused
  const AddressFilter* filter = nullptr;
  SteadyClock::time_point started;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

constexpr std::size_t kBodyReserve = 96 * 1024;

// CURLOPT_WRITEFUNCTION: libcurl hands over decoded body bytes, so the limit counts those.
std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  if (!t->body_started) {
    // libcurl hands over at most 16 KiB a call: without this a 60 KB page grew its string three times,
    // copying 48 KB. Most portal pages are below kBodyReserve; larger ones grow from there as before.
    t->result.body.reserve(std::min(t->max_body, kBodyReserve));
  }
  t->body_started = true;
  if (t->result.body.size() + n > t->max_body) {
    t->too_large = true;
    t->too_large_message = "body larger than " + std::to_string(t->max_body) + " bytes (after decoding)";
    return 0;  // any count other than n aborts the transfer with CURLE_WRITE_ERROR
  }
  t->result.body.append(data, n);
  return n;
}

// CURLOPT_HEADERFUNCTION: one complete header line per call, status lines included.
std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  t->header_bytes += n;
  if (t->header_bytes > t->max_header) {
    t->too_large = true;
    t->too_large_message = "response headers larger than " + std::to_string(t->max_header) + " bytes";
    return 0;
  }
  fetcher_internal::AddHeaderLine(std::string_view(data, n), &t->result.headers);
  return n;
}

// CURLOPT_OPENSOCKETFUNCTION: runs for every address libcurl tries, after DNS and before connect(),
// so a refused address never sees a packet. Refusing makes libcurl try the host's next address.
curl_socket_t OpenSocket(void* user, curlsocktype purpose, curl_sockaddr* address) {
  auto* t = static_cast<Transfer*>(user);
  // libcurl's curl_sockaddr stores the address in storage big enough for any family, so reading
  // it as sockaddr_in6 (as IsPublicAddress does) stays inside the object.
  if (purpose == CURLSOCKTYPE_IPCXN && !t->filter->Permits(&address->addr)) {
    if (t->refused_address.empty()) t->refused_address = fetcher_internal::AddressToString(&address->addr);
    return CURL_SOCKET_BAD;
  }
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

std::chrono::microseconds InfoMicros(CURL* easy, CURLINFO info) {
  curl_off_t value = 0;
  curl_easy_getinfo(easy, info, &value);
  return std::chrono::microseconds(value);
}

std::string InfoString(CURL* easy, CURLINFO info) {
  char* value = nullptr;
  curl_easy_getinfo(easy, info, &value);
  return value != nullptr ? value : "";
}

std::string HttpVersionName(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return "";
  }
}

FetchResult FailedBeforeStart(const FetchRequest& request, FetchError error, std::string message) {
  FetchResult result;
  result.context_id = request.context_id;
  result.url = request.url.href();
  result.effective_url = request.url.href();
  result.error = error;
  result.error_message = std::move(message);
  return result;
}

// The per-host accounting key of a URL the fetcher fetches, or a reason it does not. Read from the
// parsed URL: the WHATWG serializer already lowercased the host (and IDNA-encoded it), so nothing here
// parses the URL again.
bool CheckTarget(const Url& url, std::string* host, std::string* problem) {
  if (!url.is_http()) {
    *problem = "unsupported scheme '" + std::string(url.scheme()) + "': only http and https are fetched";
    return false;
  }
  if (!url.username().empty() || !url.password().empty()) {
    *problem = "the URL carries credentials (user:pass@), which are never sent";
    return false;
  }
  if (url.host().empty()) {
    *problem = "malformed URL: no host";
    return false;
  }
  *host = std::string(url.host());
  return true;
}

class CurlFetcher final : public Fetcher {
 public:
  CurlFetcher(FetcherOptions options, AddressFilter filter, MultiPtr multi, SharePtr share, EasyPtr jar)
      : options_(std::move(options)),
        filter_(std::move(filter)),
        share_(std::move(share)),
        jar_(std::move(jar)),
        multi_(std::move(multi)) {
    for (const auto& entry : options_.connect_to) {
      curl_slist* grown = curl_slist_append(connect_to_.get(), entry.c_str());
      if (grown == nullptr) continue;  // out of memory: the entry is dropped, as libcurl would
      (void)connect_to_.release();
      connect_to_.reset(grown);
    }
  }

  ~CurlFetcher() override {
    // Easy handles leave the multi handle before either is cleaned up (libcurl requires that order),
    // and the share handle outlives every easy handle that used it.
    for (auto& [easy, transfer] : running_) curl_multi_remove_handle(multi_.get(), easy);
    running_.clear();
    multi_.reset();
    // Cleaning up the jar handle writes the shared jar to its CURLOPT_COOKIEJAR file (atomically: libcurl
    // writes a temporary file and renames it).
    jar_.reset();
    share_.reset();
  }

  CurlFetcher(const CurlFetcher&) = delete;
  CurlFetcher& operator=(const CurlFetcher&) = delete;

  void Submit(FetchRequest request) override {
    std::string host;
    std::string problem;
    bool fetchable = CheckTarget(request.url, &host, &problem);
    {
      std::lock_guard lock(mu_);
      if (fetchable) {
        queue_.push_back({std::move(request), std::move(host), SteadyClock::now()});
      } else {
        ready_.push_back(FailedBeforeStart(request, FetchError::kBadUrl, std::move(problem)));
      }
    }
    // A Perform() blocked in another thread should start it now; in this thread it costs one wasted
    // poll round at most. Not counted as a Wakeup(): Perform keeps waiting for results.
    curl_multi_wakeup(multi_.get());
  }

  std::vector<FetchResult> Perform(std::chrono::milliseconds max_wait) override {
    auto deadline = SteadyClock::now() + max_wait;
    std::vector<FetchResult> out;
    for (;;) {
      StartQueued(&out);
      int running = 0;
      curl_multi_perform(multi_.get(), &running);
      Collect(&out);
      if (!out.empty() || woken_.exchange(false)) return out;
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return out;
      int wait_ms = static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), INT_MAX));
      curl_multi_poll(multi_.get(), nullptr, 0, wait_ms, nullptr);
    }
  }

  void Wakeup() override {
    woken_.store(true);
    curl_multi_wakeup(multi_.get());
  }

  std::size_t InFlight() const override { return running_.size(); }

  std::size_t InFlight(std::string_view host) const override {
    std::lock_guard lock(mu_);
    auto it = per_host_.find(AsciiLowered(host));
    return it == per_host_.end() ? 0 : it->second;
  }

  std::size_t Queued() const override {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

  std::size_t Outstanding() const override {
    std::lock_guard lock(mu_);
    return queue_.size() + ready_.size() + running_.size();
  }

 private:
  // Moves results that need no transfer into `out`, then starts queued requests while the caps
  // allow, skipping (not waiting behind) requests to hosts at their cap.
  void StartQueued(std::vector<FetchResult>* out) {
    std::vector<QueuedRequest> starting;
    {
      std::lock_guard lock(mu_);
      for (auto& result : ready_) out->push_back(std::move(result));
      ready_.clear();
      for (auto it = queue_.begin();
           it != queue_.end() && running_.size() + starting.size() < options_.max_transfers;) {
        std::size_t& host_count = per_host_[it->host];
        if (host_count >= options_.max_per_host) {
          ++it;
          continue;
        }
        ++host_count;
        starting.push_back(std::move(*it));
        it = queue_.erase(it);
      }
    }
    for (auto& queued : starting) {
      std::string host = queued.host;
      if (auto failure = Start(std::move(queued))) {
        out->push_back(*std::move(failure));
        ReleaseHost(host);
      }
    }
  }

  // Adds a transfer to the multi handle; returns a result only when it could not be started.
  std::optional<FetchResult> Start(QueuedRequest queued) {
    auto t = std::make_unique<Transfer>();
    t->queued = std::move(queued);
    const FetchRequest& request = t->queued.request;
    t->result.context_id = request.context_id;
    t->result.url = request.url.href();
    t->max_body = request.max_body_bytes > 0 ? request.max_body_bytes : options_.max_body_bytes;
    t->max_header = options_.max_header_bytes;
    t->filter = &filter_;
    t->started = SteadyClock::now();
    t->easy.reset(curl_easy_init());
    if (!t->easy) return FailedBeforeStart(request, FetchError::kOther, "curl_easy_init failed");
    CURL* h = t->easy.get();

    // Request headers: the defaults, then the request's own (same name replaces), then validators.
    HeaderList headers = options_.default_headers;
    auto put = [&headers](const std::string& name, const std::string& value) {
      std::erase_if(headers, [&](const auto& field) { return EqualsIgnoringAsciiCase(field.first, name); });
      headers.emplace_back(name, value);
    };
    for (const auto& [name, value] : request.headers) put(name, value);
    if (!request.if_none_match.empty()) put("If-None-Match", request.if_none_match);
    if (!request.if_modified_since.empty()) put("If-Modified-Since", request.if_modified_since);
    for (const auto& [name, value] : headers) {
      // "Name:" with nothing after it tells libcurl to drop a header it would add itself.
      std::string line = value.empty() ? name + ":" : name + ": " + value;
      curl_slist* grown = curl_slist_append(t->request_headers.get(), line.c_str());
      if (grown == nullptr) return FailedBeforeStart(request, FetchError::kOther, "out of memory");
      (void)t->request_headers.release();
      t->request_headers.reset(grown);
    }

    CURLcode rc = CURLE_OK;
    auto check = [&rc](CURLcode c) {
      if (rc == CURLE_OK) rc = c;
    };
    // The serialization of the URL the caller parsed; the request owns it while the handle runs.
    check(curl_easy_setopt(h, CURLOPT_URL, request.url.href().c_str()));
    check(curl_easy_setopt(h, CURLOPT_PRIVATE, t.get()));
    check(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->error_buffer));
    check(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    check(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https"));
    check(curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
    check(curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L));
    // Credentials in a URL (user:pass@) are never sent: Submit refuses such URLs, and libcurl would
    // refuse them too (CURLE_LOGIN_DENIED) should one get past it.
    check(curl_easy_setopt(h, CURLOPT_DISALLOW_USERNAME_IN_URL, 1L));
    check(curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
                           options_.http2 ? long{CURL_HTTP_VERSION_2TLS} : long{CURL_HTTP_VERSION_1_1}));
    // "" = offer every content coding this libcurl can decode (gzip, deflate, br, zstd on Debian 12).
    check(curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""));
    check(curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str()));
    check(curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->request_headers.get()));
    check(curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody));
    check(curl_easy_setopt(h, CURLOPT_WRITEDATA, t.get()));
    check(curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader));
    check(curl_easy_setopt(h, CURLOPT_HEADERDATA, t.get()));
    check(
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count())));
    check(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count())));
    check(curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes_per_second));
    check(curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count())));
    if (options_.proxy) check(curl_easy_setopt(h, CURLOPT_PROXY, options_.proxy->c_str()));
    if (connect_to_) check(curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_to_.get()));
    if (!options_.ca_file.empty()) check(curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str()));
    if (share_) {
      // The shared jar is what carries cookies from one transfer (easy handle) to the next.
      check(curl_easy_setopt(h, CURLOPT_SHARE, share_.get()));
      check(curl_easy_setopt(h, CURLOPT_COOKIEFILE, ""));
    }
    if (!filter_.allow_private()) {
      check(curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket));
      check(curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, t.get()));
    }
    if (options_.http2 && request.url.scheme() == "https") {
      // Wait for an HTTP/2 connection being set up to the host rather than opening another.
      check(curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L));
    }
    if (rc != CURLE_OK) {
      return FailedBeforeStart(request, FetchError::kOther,
                               std::string("curl_easy_setopt failed: ") + curl_easy_strerror(rc));
    }
    CURLMcode mrc = curl_multi_add_handle(multi_.get(), h);
    if (mrc != CURLM_OK) {
      return FailedBeforeStart(request, FetchError::kOther,
                               std::string("curl_multi_add_handle failed: ") + curl_multi_strerror(mrc));
    }
    running_.emplace(h, std::move(t));
    return std::nullopt;
  }

  void Collect(std::vector<FetchResult>* out) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;  // read before remove_handle invalidates msg
      auto it = running_.find(easy);
      if (it == running_.end()) continue;
      out->push_back(Finish(*it->second, code));
      curl_multi_remove_handle(multi_.get(), easy);
      ReleaseHost(it->second->queued.host);
      running_.erase(it);
    }
  }

  FetchResult Finish(Transfer& t, CURLcode code) {
    CURL* h = t.easy.get();
    FetchResult r = std::move(t.result);
    // The body grew by doubling as libcurl handed it over in pieces, so up to half of its buffer is
    // empty; it then waits in the crawl's queues (up to 64 pages) and is archived from there. One copy
    // here (microseconds against the parse's milliseconds) keeps that slack out of peak memory.
    if (r.body.capacity() > r.body.size() + r.body.size() / 8 + 4096) r.body.shrink_to_fit();
    r.effective_url = InfoString(h, CURLINFO_EFFECTIVE_URL);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    long version = 0;
    curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
    r.http_version = r.status > 0 ? HttpVersionName(version) : "";
    r.content_type = InfoString(h, CURLINFO_CONTENT_TYPE);
    if (r.status >= 300 && r.status < 400) r.location = InfoString(h, CURLINFO_REDIRECT_URL);
    r.remote_ip = InfoString(h, CURLINFO_PRIMARY_IP);
    long connects = 0;
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    r.reused_connection = r.status > 0 && connects == 0;
    r.timing.queued = std::chrono::duration_cast<std::chrono::microseconds>(t.started - t.queued.submitted);
    r.timing.name_lookup = InfoMicros(h, CURLINFO_NAMELOOKUP_TIME_T);
    r.timing.connect = InfoMicros(h, CURLINFO_CONNECT_TIME_T);
    r.timing.tls = InfoMicros(h, CURLINFO_APPCONNECT_TIME_T);
    r.timing.first_byte = InfoMicros(h, CURLINFO_STARTTRANSFER_TIME_T);
    r.timing.total = InfoMicros(h, CURLINFO_TOTAL_TIME_T);

    fetcher_internal::TransferFailure failure;
    failure.code = code;
    failure.curl_message = t.error_buffer;
    failure.refused_address = !t.refused_address.empty();
    failure.too_large = t.too_large;
    failure.connected = !r.remote_ip.empty();
    failure.body_started = t.body_started;
    r.error = fetcher_internal::ClassifyCurlError(failure);
    if (r.error == FetchError::kTooLarge && !t.too_large_message.empty()) {
      r.error_message = t.too_large_message;
    } else if (r.error == FetchError::kTooLarge) {
      r.error_message = "a response header line longer than libcurl accepts (100 KiB)";
    } else if (r.error == FetchError::kRefusedAddress) {
      r.error_message = "refused to connect to non-public address " + t.refused_address +
                        " (allow_private_addresses is off)";
    } else if (r.error != FetchError::kNone) {
      r.error_message = t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(code);
    }
    return r;
  }

  void ReleaseHost(const std::string& host) {
    std::lock_guard lock(mu_);
    auto it = per_host_.find(host);
    if (it != per_host_.end() && it->second > 0 && --it->second == 0) per_host_.erase(it);
  }

  const FetcherOptions options_;
  const AddressFilter filter_;
  SlistPtr connect_to_;  // FetcherOptions::connect_to for CURLOPT_CONNECT_TO; outlives every easy handle
  SharePtr share_;  // the cookie jar when cookies are on; declared first so it is destroyed last
  EasyPtr jar_;     // with a cookie_jar file: the handle that loaded it and writes it back (never performs)
  MultiPtr multi_;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> running_;  // the Perform() thread's only
  std::atomic<bool> woken_{false};

  mutable std::mutex mu_;  // guards the members below; Submit() runs on any thread
  std::deque<QueuedRequest> queue_;
  std::vector<FetchResult> ready_;                         // results that needed no transfer (bad URLs)
  std::unordered_map<std::string, std::size_t> per_host_;  // started transfers per host
};

// A handle that reads `path` into the shared jar now and, on cleanup, writes the jar back to it. The
// file is checked here so that a jar that cannot be read or written back is a usage error at the start,
// not cookies silently lost at the end.
Result<EasyPtr> LoadCookieJar(CURLSH* share, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path file(path);
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  if (!fs::is_directory(folder, ec)) {
    return Status::InvalidArgument("cookie jar " + path + ": the folder " + folder.string() + " does not exist");
  }
  if (fs::exists(file, ec)) {
    if (!fs::is_regular_file(file, ec)) return Status::InvalidArgument("cookie jar " + path + " is not a file");
    std::ifstream probe(file);
    if (!probe) return Status::InvalidArgument("cookie jar " + path + " cannot be read");
  }
  EasyPtr jar(curl_easy_init());
  if (!jar) return Status::Internal("curl_easy_init failed");
  CURLcode rc = curl_easy_setopt(jar.get(), CURLOPT_SHARE, share);
  if (rc == CURLE_OK) rc = curl_easy_setopt(jar.get(), CURLOPT_COOKIEFILE, path.c_str());
  if (rc == CURLE_OK) rc = curl_easy_setopt(jar.get(), CURLOPT_COOKIEJAR, path.c_str());
  // RELOAD reads the CURLOPT_COOKIEFILE files into the (shared) jar at once, before any transfer.
  if (rc == CURLE_OK) rc = curl_easy_setopt(jar.get(), CURLOPT_COOKIELIST, "RELOAD");
  if (rc != CURLE_OK) return Status::Internal(std::string("cookie jar: ") + curl_easy_strerror(rc));
  return jar;
}

}  // namespace

Result<std::unique_ptr<Fetcher>> NewCurlFetcher(FetcherOptions options) {
  if (options.max_transfers == 0 || options.max_per_host == 0) {
    return Status::InvalidArgument("fetcher: max_transfers and max_per_host must be at least 1");
  }
  // curl_global_init is not thread-safe before libcurl 7.84; once per process is all it needs.
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global_init != CURLE_OK) {
    return Status::Internal(std::string("curl_global_init failed: ") + curl_easy_strerror(global_init));
  }
  MultiPtr multi(curl_multi_init());
  if (!multi) return Status::Internal("curl_multi_init failed");
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS, static_cast<long>(options.max_transfers));
  // libcurl's own per-host cap backs up the fetcher's accounting (which it never lets exceed this).
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_per_host));

  SharePtr share;
  if (!options.cookie_jar.empty()) options.cookies = true;
  if (options.cookies) {
    share.reset(curl_share_init());
    if (!share || curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE) != CURLSHE_OK) {
      return Status::Internal("curl_share_init failed");
    }
    // No lock callbacks: all easy handles are driven from the one thread that calls Perform().
  }
  EasyPtr jar;
  if (!options.cookie_jar.empty()) {
    auto loaded = LoadCookieJar(share.get(), options.cookie_jar);
    if (!loaded.ok()) return loaded.status();
    jar = std::move(*loaded);
  }

  std::set<std::string> exempt;
  if (!options.allow_private_addresses) {
    for (const auto& host : fetcher_internal::ProxyHosts(options.proxy)) {
      exempt.merge(fetcher_internal::ResolveAll(host));
    }
  }
  AddressFilter filter(options.allow_private_addresses, std::move(exempt));
  return std::unique_ptr<Fetcher>(std::make_unique<CurlFetcher>(std::move(options), std::move(filter),
                                                                std::move(multi), std::move(share), std::move(jar)));
}

}  // namespace hc::net
