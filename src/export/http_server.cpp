#include "export/http_server.h"

#include "common/text.h"
#include "common/unique_fd.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <algorithm>
#include <charconv>
#include <cstring>
#include <thread>

namespace pooltag::exporter {

namespace {

Error usage(std::string_view text, std::string_view why) {
  return Error{fmt::format("--listen '{}': {}", printable(text), why), kExitUsage};
}

// Only SO_REUSEADDR (a restart need not wait for TIME_WAIT). httplib's
// default adds SO_REUSEPORT, with which a second exporter could bind the
// same port and share its connections instead of failing.
void reuse_address_only(int sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
}

// Why binding failed: the same bind on a socket of our own, for its errno
// (httplib says only that it failed).
std::string bind_failure(const ListenAddress &a) {
  UniqueFd fd(socket(a.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return std::strerror(errno);
  reuse_address_only(fd.get());
  int rc;
  if (a.ipv6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(a.port);
    inet_pton(AF_INET6, a.host.c_str(), &sa.sin6_addr);
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof sa);
  } else {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(a.port);
    inet_pton(AF_INET, a.host.c_str(), &sa.sin_addr);
    rc = ::bind(fd.get(), reinterpret_cast<sockaddr *>(&sa), sizeof sa);
  }
  return rc == 0 ? "the server could not listen" : std::strerror(errno);
}

constexpr const char *kIndexPage =
    "<html><head><title>pooltag exporter</title></head><body><h1>pooltag exporter</h1>"
    "<p>Kernel heap allocations by pool tag: <a href=\"/metrics\">/metrics</a></p></body></html>\n";

}  // namespace

bool ListenAddress::loopback() const {
  if (ipv6) return host == "::1";
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) != 1) return false;
  return (ntohl(a.s_addr) >> 24) == 127;
}

std::string ListenAddress::text() const {
  return ipv6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress a;
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return usage(text, "not ADDRESS:PORT");
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    a.ipv6 = true;
  }
  a.host = std::string(host);
  unsigned char buf[sizeof(in6_addr)];
  if (a.host.empty()) return usage(text, "no address (127.0.0.1 is loopback, 0.0.0.0 every interface)");
  if (inet_pton(a.ipv6 ? AF_INET6 : AF_INET, a.host.c_str(), buf) != 1)
    return usage(text, a.ipv6 ? "not an IPv6 address" : "not an IPv4 address (IPv6 goes in brackets: [::1]:PORT)");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    return usage(text, "the port is not a number from 0 to 65535");
  a.port = static_cast<uint16_t>(value);
  return a;
}

namespace {

// The routes and limits, the same for a listening server and for
// answer_request_bytes.
void configure(httplib::Server &s, MetricsServer::Handler handler, const ServerOptions &options) {
  s.set_read_timeout(std::chrono::milliseconds(options.read_timeout_ms));
  s.set_write_timeout(std::chrono::milliseconds(options.read_timeout_ms));
  s.set_keep_alive_timeout(std::max(1, options.read_timeout_ms / 1000));
  s.set_payload_max_length(4096);  // a GET has no body
  s.Get("/metrics", [handler](const httplib::Request &req, httplib::Response &res) {
    HttpReply reply = handler(req.get_header_value("Accept"));
    res.status = reply.status;
    res.set_content(std::move(reply.body), reply.content_type.c_str());
  });
  s.Get("/", [](const httplib::Request &, httplib::Response &res) { res.set_content(kIndexPage, "text/html"); });
}

// One connection's bytes in memory: what the client sent is read, what the
// server answers is kept.
class MemoryStream : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view input) : input_(input) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char *ptr, size_t size) override {
    size_t n = std::min(size, input_.size() - read_);
    std::memcpy(ptr, input_.data() + read_, n);
    read_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char *ptr, size_t size) override {
    output_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string &ip, int &port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string &ip, int &port) const override {
    ip = "127.0.0.1";
    port = kDefaultPort;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  bool exhausted() const { return read_ == input_.size(); }
  const std::string &output() const { return output_; }

 private:
  std::string_view input_;
  size_t read_ = 0;
  std::string output_;
};

// process_request is httplib's per-request step, protected in Server.
class OfflineServer : public httplib::Server {
 public:
  bool answer(httplib::Stream &stream, bool last) {
    bool closed = false;
    return process_request(stream, last, closed, nullptr);
  }
};

}  // namespace

std::string answer_request_bytes(std::string_view request, const MetricsServer::Handler &handler,
                                 size_t max_requests) {
  OfflineServer server;
  configure(server, handler, ServerOptions{});
  MemoryStream stream(request);
  // keep-alive: requests follow one another until the bytes run out
  for (size_t i = 0; i < max_requests && !stream.exhausted(); ++i)
    if (!server.answer(stream, i + 1 == max_requests)) break;
  return stream.output();
}

struct MetricsServer::Impl {
  httplib::Server server;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::bind(const ListenAddress &address, Handler handler,
                                                           ServerOptions options) {
  auto impl = std::make_unique<Impl>();
  auto &s = impl->server;
  const int threads = options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_socket_options(reuse_address_only);
  configure(s, std::move(handler), options);
  // no address lookups: the address is numeric
  int flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  int port = address.port;
  if (port == 0) {
    port = s.bind_to_any_port(address.host, flags);
    if (port < 0) return Error{fmt::format("cannot listen on {}: {}", address.text(), bind_failure(address))};
  } else if (!s.bind_to_port(address.host, port, flags)) {
    return Error{fmt::format("cannot listen on {}: {}", address.text(), bind_failure(address))};
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer(std::move(impl)));
  server->port_ = static_cast<uint16_t>(port);
  return server;
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() { stop(); }

Status MetricsServer::serve() {
  if (!impl_->server.listen_after_bind()) return Error{"the listening socket failed"};
  return Ok{};
}

void MetricsServer::stop() { impl_->server.stop(); }

Status serve_until_signal(MetricsServer &server) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&stop_signals, sig);
  // before any thread starts, so that every thread inherits the mask
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    int sig = 0;
    while (sigwait(&stop_signals, &sig) == 0 && !done) {
      server.stop();
      return;
    }
  });
  Status served = server.serve();
  done = true;
  pthread_kill(waiter.native_handle(), SIGTERM);  // wakes the waiter if no signal came
  waiter.join();
  pthread_sigmask(SIG_UNBLOCK, &stop_signals, nullptr);
  return served;
}

}  // namespace pooltag::exporter
