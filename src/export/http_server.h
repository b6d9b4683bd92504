// The HTTP side of `pooltag export`: a small server (cpp-httplib, kept out
// of this header) that answers GET /metrics with what a handler renders,
// and / with a page that links to it. Connections are served by a pool of
// threads; a client that connects and sends nothing holds one thread until
// the read timeout, never the others.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace pooltag::exporter {

// The default port: outside 9100-9999, the range Prometheus allocates to
// exporters (which is full), and not a well-known service's.
inline constexpr uint16_t kDefaultPort = 19466;
inline constexpr const char *kDefaultListen = "127.0.0.1:19466";

// ADDRESS:PORT with a numeric IPv4 address or a bracketed IPv6 one
// ("127.0.0.1:19466", "[::1]:19466"); port 0 picks a free one. Host names
// are refused: nothing is resolved. Usage errors.
struct ListenAddress {
  std::string host;  // without brackets
  uint16_t port = 0;
  bool ipv6 = false;
  bool loopback() const;
  std::string text() const;  // as parsed: [::1]:19466
};
Result<ListenAddress> parse_listen_address(std::string_view text);

struct HttpReply {
  int status = 200;
  std::string content_type;
  std::string body;
};

struct ServerOptions {
  int threads = 8;           // connections served at once
  int read_timeout_ms = 3000;  // a silent client is dropped after this
};

class MetricsServer {
 public:
  // Called for every GET /metrics with the request's Accept header, from
  // several threads at once.
  using Handler = std::function<HttpReply(std::string_view accept)>;

  // Binds (port in use, address not local: an error) but serves nothing yet.
  static Result<std::unique_ptr<MetricsServer>> bind(const ListenAddress &address, Handler handler,
                                                     ServerOptions options = {});
  ~MetricsServer();
  MetricsServer(const MetricsServer &) = delete;
  MetricsServer &operator=(const MetricsServer &) = delete;

  uint16_t port() const { return port_; }  // the bound one (port 0 asked: the one picked)
  // Serves until stop(); an error when the listening socket fails.
  Status serve();
  // From any thread: serve() returns once requests in progress are answered.
  void stop();

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// What the server answers to `request`, the bytes of one connection
// (requests one after another, at most `max_requests`), exactly as it
// would send them: the same routes and limits, no socket. The exporter's
// request handling under test (tests/fuzz/http_request_fuzz.cpp).
std::string answer_request_bytes(std::string_view request, const MetricsServer::Handler &handler,
                                 size_t max_requests = 8);

// Serves until SIGINT, SIGTERM or SIGHUP: they are blocked in every thread
// and taken by one that stops the server, so a request in progress is
// answered and the process exits cleanly.
Status serve_until_signal(MetricsServer &server);

}  // namespace pooltag::exporter
