// pipesim serve benchmark (not a test): requests per second through the endpoint over
// keep-alive connections (SQS json SendMessage and ReceiveMessage alternating, the whole path:
// HTTP parse, protocol decode, the simulation thread, the SQS model, encode, write) against a
// bare Boost.Beast server on the same threading that answers a fixed body, in the same run;
// then the memory each idle connection costs the endpoint.
//
// usage: pipesim-bench-serve [SECONDS_PER_ROUND] [CONNECTIONS] [IDLE_CONNECTIONS]
#include "scenarios/scenario.hpp"
#include "serve/server.hpp"
#include "serve/session.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// The bare server: one network thread, keep-alive, a fixed JSON body.
class bare_server {
 public:
  bare_server() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~bare_server() {
    ioc_.stop();
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct conn : std::enable_shared_from_this<conn> {
    explicit conn(tcp::socket s) : stream(std::move(s)) {}
    void read() {
      req = {};
      http::async_read(
          stream, buffer, req, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) return;
            self->res = {};
            self->res.version(11);
            self->res.result(http::status::ok);
            self->res.set(http::field::content_type, "application/x-amz-json-1.0");
            self->res.keep_alive(self->req.keep_alive());
            self->res.body() =
                R"({"MD5OfMessageBody":"49f68a5c8493ec2c0bf489821c21fc3b","MessageId":"0"})";
            self->res.prepare_payload();
            http::async_write(self->stream, self->res, [self](beast::error_code e, std::size_t) {
              if (!e) self->read();
            });
          });
    }
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::response<http::string_body> res;
  };
  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<conn>(std::move(s))->read();
      accept();
    });
  }
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// A keep-alive client connection that sends its requests in turn as fast as answers come.
struct client : std::enable_shared_from_this<client> {
  client(asio::io_context& ioc, std::vector<http::request<http::string_body>>& r,
         std::atomic<std::uint64_t>& c, std::atomic<bool>& s)
      : stream(ioc), requests(r), count(c), stop(s) {}
  void start(unsigned short port) {
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    next();
  }
  void next() {
    if (stop) return;
    http::async_write(stream, requests[i++ % requests.size()],
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        self->res = {};
                        http::async_read(self->stream, self->buffer, self->res,
                                         [self](beast::error_code e, std::size_t) {
                                           if (e) return;
                                           if (self->res.result() != http::status::ok)
                                             ++self->errors;
                                           ++self->count;
                                           self->next();
                                         });
                      });
  }
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  std::vector<http::request<http::string_body>>& requests;
  std::atomic<std::uint64_t>& count;
  std::atomic<bool>& stop;
  std::size_t i = 0;
  std::uint64_t errors = 0;
};

double measure(unsigned short port, std::vector<http::request<http::string_body>>& requests,
               int connections, double seconds, std::uint64_t& errors) {
  asio::io_context ioc;
  std::atomic<std::uint64_t> count{0};
  std::atomic<bool> stop{false};
  std::vector<std::shared_ptr<client>> clients;
  for (int c = 0; c < connections; ++c) {
    clients.push_back(std::make_shared<client>(ioc, requests, count, stop));
    clients.back()->start(port);
  }
  std::thread t([&] { ioc.run(); });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds * 0.2));  // warm up
  const std::uint64_t c0 = count;
  const auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::uint64_t c1 = count;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  for (auto& c : clients) {
    beast::error_code ec;
    c->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  }
  ioc.stop();
  t.join();
  for (auto& c : clients) errors += c->errors;
  return static_cast<double>(c1 - c0) / elapsed;
}

http::request<http::string_body> sqs_request(unsigned short port, const std::string& op,
                                             const std::string& body) {
  http::request<http::string_body> r{http::verb::post, "/", 11};
  r.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  r.set(http::field::content_type, "application/x-amz-json-1.0");
  r.set("X-Amz-Target", "AmazonSQS." + op);
  r.keep_alive(true);
  r.body() = body;
  r.prepare_payload();
  return r;
}

long rss_kib() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::stod(argv[1]) : 3.0;
  const int connections = argc > 2 ? std::stoi(argv[2]) : 8;
  const int idle = argc > 3 ? std::stoi(argv[3]) : 1000;

  // The world: one standard queue, ideal profile. Its invariants are checked after every event
  // as in any session; message_conservation walks every message copy each time, so as the
  // benchmark's messages pile up (received, never deleted) it dominates. Measured both ways.
  nlohmann::json doc = serve::empty_scenario_document();
  doc["profile"] = "ideal";
  doc["queues"] = {{"bench", nlohmann::json::object()}};
  const scenarios::scenario checked = scenarios::parse_scenario(doc, "<bench>");
  doc["expect"] = {{"invariants", nlohmann::json::array()}};
  const scenarios::scenario unchecked = scenarios::parse_scenario(doc, "<bench>");

  struct target {
    std::string name;
    std::unique_ptr<serve::session> session;
    std::unique_ptr<serve::server> server;
    std::thread thread;
    std::vector<http::request<http::string_body>> requests;
    double best = 0;
  };
  std::vector<std::unique_ptr<target>> targets;
  const auto add = [&](std::string name, const scenarios::scenario& sc, int network_threads) {
    auto t = std::make_unique<target>();
    t->name = std::move(name);
    t->session = std::make_unique<serve::session>(sc, nullptr);
    serve::server_options options;
    options.clock = serve::clock_mode::manual;
    options.max_connections = static_cast<std::size_t>(idle + connections + 16);
    options.network_threads = network_threads;
    t->server = std::make_unique<serve::server>(*t->session, options);
    serve::server* srv = t->server.get();
    t->thread = std::thread([srv] { srv->run([](serve::session&) {}); });
    const unsigned short port = srv->port();
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/123456789012/bench";
    t->requests = {
        sqs_request(port, "SendMessage", R"({"QueueUrl":")" + url + R"(","MessageBody":"hi"})"),
        sqs_request(
            port, "ReceiveMessage",
            R"({"QueueUrl":")" + url + R"(","MaxNumberOfMessages":1,"WaitTimeSeconds":0})")};
    targets.push_back(std::move(t));
  };
  add("endpoint, no per-event invariants (one event-loop thread, the default)", unchecked, 1);
  add("endpoint, no per-event invariants, separate simulation thread", unchecked, 2);
  add("endpoint, every invariant checked after every event", checked, 1);
  bare_server bare;
  std::vector<http::request<http::string_body>> bare_requests = targets[0]->requests;

  std::cout << "pipesim serve benchmark: " << connections << " keep-alive connections, " << seconds
            << " s per round, SendMessage/ReceiveMessage alternating (SQS json)\n";
  // Alternate the servers and keep each one's best round, so all see the same machine load.
  double best_bare = 0;
  std::uint64_t errors = 0;
  for (int round = 0; round < 3; ++round) {
    for (auto& t : targets) {
      t->best =
          std::max(t->best, measure(t->server->port(), t->requests, connections, seconds, errors));
    }
    best_bare =
        std::max(best_bare, measure(bare.port(), bare_requests, connections, seconds, errors));
  }
  std::printf("bare beast (fixed body): %.0f requests/s\n", best_bare);
  for (const auto& t : targets) {
    std::printf("%s: %.0f requests/s, endpoint/bare ratio %.2f\n", t->name.c_str(), t->best,
                t->best / best_bare);
  }
  if (errors) std::printf("non-200 answers: %llu\n", static_cast<unsigned long long>(errors));
  serve::server& endpoint = *targets[0]->server;

  // Idle connections: plain sockets on the client side (no user-space buffers), so the growth
  // of this process's resident set is the endpoint's per-connection cost.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const long before = rss_kib();
  std::vector<int> sockets;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(endpoint.port());
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  for (int i = 0; i < idle; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      if (fd >= 0) ::close(fd);
      break;
    }
    sockets.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long after = rss_kib();
  std::printf("idle connections: %zu, resident set +%ld KiB, %.1f KiB per idle connection\n",
              sockets.size(), after - before,
              sockets.empty()
                  ? 0.0
                  : static_cast<double>(after - before) / static_cast<double>(sockets.size()));
  for (const int fd : sockets) ::close(fd);
  for (auto& t : targets) {
    t->server->shutdown();
    t->thread.join();
  }
  return 0;
}
