// FakeFetcher: an in-memory net::Fetcher for the crawl engine's tests, with no sockets. It answers from
// a table of URL -> responses (status, headers, body, a network error, a delay), in the manner of
// wget2's in-process test servers, and records what was asked. What it keeps of the curl fetcher's
// contract (net/fetcher.h): every Submit yields exactly one FetchResult from a later Perform; a URL
// that is not http(s), or carries userinfo, is answered with kBadUrl; a body larger than the request's
// max_body_bytes is kTooLarge; redirects are returned, never followed; Perform waits at most its
// max_wait and returns early on a result or a Wakeup.
//
// A URL the table does not name is answered 404. A URL given several responses gets them in order, one
// per request, and the last one from then on (so "a network error, then 200" is two entries).
// Delays are measured on the steady clock from the Submit (the engine's politeness clock is internal,
// so a fake clock could not drive it); the tests that use them assert outcomes, never timing.
//
// Thread-safety: every member is internally synchronized (the engine calls Wakeup from its writer).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/fetcher.h"

namespace hc::testing {

class FakeFetcher final : public net::Fetcher {
 public:
  struct Response {
    int status = 200;
    net::HeaderList headers{};  // names lowercased, as the curl fetcher gives them
    std::string body{};
    std::string location{};  // a 3xx's target: absolute, as the curl fetcher resolves it
    net::FetchError error = net::FetchError::kNone;
    std::string error_message{};
    std::chrono::milliseconds delay{0};  // answered no earlier than this after the Submit

    static Response Html(std::string body) {
      return {.status = 200, .headers = {{"content-type", "text/html; charset=utf-8"}}, .body = std::move(body)};
    }
    static Response Text(std::string body) {
      return {.status = 200, .headers = {{"content-type", "text/plain"}}, .body = std::move(body)};
    }
    static Response WithStatus(int status) { return {.status = status, .body = "status " + std::to_string(status)}; }
    static Response Redirect(int status, std::string location) {
      return {.status = status, .headers = {{"location", location}}, .location = std::move(location)};
    }
    static Response Error(net::FetchError error, std::string message) {
      return {.status = 0, .error = error, .error_message = std::move(message)};
    }
  };

  // The answers to requests for `url` (an href, as the engine serializes it).
  void On(const std::string& url, std::vector<Response> responses) {
    std::lock_guard lock(mu_);
    table_[url] = Answers{std::move(responses), 0};
  }
  void On(const std::string& url, Response response) { On(url, std::vector<Response>{std::move(response)}); }

  // The hrefs requested so far, in the order they were submitted.
  std::vector<std::string> Requested() const {
    std::lock_guard lock(mu_);
    return requested_;
  }
  int Requests(const std::string& url) const {
    std::lock_guard lock(mu_);
    return static_cast<int>(std::count(requested_.begin(), requested_.end(), url));
  }

  void Submit(net::FetchRequest request) override {
    {
      std::lock_guard lock(mu_);
      requested_.push_back(request.url.href());
      Pending pending;
      pending.result = Answer(request);
      pending.host = std::string(request.url.host());
      pending.due = Steady::now() + delay_of_last_;
      pending_.push_back(std::move(pending));
    }
    changed_.notify_all();
  }

  std::vector<net::FetchResult> Perform(std::chrono::milliseconds max_wait) override {
    const auto deadline = Steady::now() + max_wait;
    std::unique_lock lock(mu_);
    while (true) {
      std::vector<net::FetchResult> out;
      const auto now = Steady::now();
      auto earliest = deadline;
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->due <= now) {
          out.push_back(std::move(it->result));
          it = pending_.erase(it);
        } else {
          earliest = std::min(earliest, it->due);
          ++it;
        }
      }
      if (!out.empty() || woken_ || now >= deadline) {
        woken_ = false;
        return out;
      }
      changed_.wait_until(lock, earliest);
    }
  }

  void Wakeup() override {
    {
      std::lock_guard lock(mu_);
      woken_ = true;
    }
    changed_.notify_all();
  }

  std::size_t InFlight() const override {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  std::size_t InFlight(std::string_view host) const override {
    std::lock_guard lock(mu_);
    return static_cast<std::size_t>(std::count_if(pending_.begin(), pending_.end(),
                                                  [&](const Pending& p) { return p.host == host; }));
  }
  std::size_t Queued() const override { return 0; }
  std::size_t Outstanding() const override { return InFlight(); }

 private:
  using Steady = std::chrono::steady_clock;
  struct Answers {
    std::vector<Response> responses;
    std::size_t next = 0;
  };
  struct Pending {
    net::FetchResult result;
    std::string host;
    Steady::time_point due;
  };

  // Under mu_: the result for `request`, and its delay in delay_of_last_.
  net::FetchResult Answer(const net::FetchRequest& request) {
    net::FetchResult r;
    r.context_id = request.context_id;
    r.url = request.url.href();
    r.effective_url = r.url;
    delay_of_last_ = std::chrono::milliseconds(0);
    if (!request.url.is_http() || !request.url.username().empty() || !request.url.password().empty()) {
      r.error = net::FetchError::kBadUrl;
      r.error_message = "not an http(s) URL without userinfo";
      return r;
    }
    Response response = Response::WithStatus(404);
    if (auto it = table_.find(r.url); it != table_.end()) {
      Answers& answers = it->second;
      response = answers.responses.at(std::min(answers.next, answers.responses.size() - 1));
      ++answers.next;
    }
    delay_of_last_ = response.delay;
    if (response.error != net::FetchError::kNone) {
      r.error = response.error;
      r.error_message = response.error_message;
      return r;
    }
    r.status = response.status;
    r.http_version = "1.1";
    r.headers = std::move(response.headers);
    if (auto type = r.Header("content-type")) r.content_type = std::string(*type);
    r.location = std::move(response.location);
    r.body = std::move(response.body);
    if (request.max_body_bytes > 0 && r.body.size() > request.max_body_bytes) {
      r.body.resize(request.max_body_bytes);
      r.error = net::FetchError::kTooLarge;
      r.error_message = "body larger than " + std::to_string(request.max_body_bytes) + " bytes";
    }
    return r;
  }

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, Answers> table_;
  std::vector<Pending> pending_;
  std::vector<std::string> requested_;
  std::chrono::milliseconds delay_of_last_{0};
  bool woken_ = false;
};

}  // namespace hc::testing
