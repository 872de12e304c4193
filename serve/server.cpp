#include "serve/server.hpp"

#include "sim/time.hpp"
#include "wire/endpoint.hpp"
#include "wire/sigv4.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <ctime>
#include <iostream>
#include <thread>
#include <vector>

namespace serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

std::string http_date_now() {
  // Formatted once per second per thread: every response carries it.
  thread_local std::time_t last = 0;
  thread_local std::string text;
  const std::time_t t = std::time(nullptr);
  if (t != last || text.empty()) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    last = t;
  }
  return text;
}

struct server::impl {
  impl(session& s, server_options o)
      : sess(s),
        options(std::move(o)),
        // One network thread: the simulation runs on it too, as one event loop (a hand-over to
        // another thread costs a wake-up per request, which halved throughput on two cores).
        // More network threads: the simulation gets a thread of its own.
        sim_ctx(options.network_threads > 1 ? &sim_ioc : &net_ioc),
        acceptor(net_ioc),
        sim_work(asio::make_work_guard(sim_ioc)),
        clock_timer(*sim_ctx),
        signals(net_ioc, SIGINT, SIGTERM) {
    beast::error_code ec;
    const tcp::endpoint ep(asio::ip::make_address(options.listen_address, ec), options.port);
    if (ec)
      throw std::runtime_error("pipesim serve: --listen: not an IP address: " +
                               options.listen_address);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error("pipesim serve: cannot listen on " + options.listen_address + ":" +
                               std::to_string(options.port) + ": " + ec.message());
    }
    bound_port = acceptor.local_endpoint().port();
  }

  session& sess;
  server_options options;
  // Declared before the io_contexts: connections still queued in them when they are destroyed
  // decrement this on their way out.
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> request_ids{0};
  std::atomic<bool> stopping{false};
  asio::io_context net_ioc;
  asio::io_context sim_ioc;
  asio::io_context* sim_ctx;  // where simulation work runs: sim_ioc or net_ioc
  tcp::acceptor acceptor;
  asio::executor_work_guard<asio::io_context::executor_type> sim_work;
  asio::steady_timer clock_timer;
  asio::signal_set signals;
  unsigned short bound_port = 0;
  std::function<void(session&)> on_shutdown;
  // Simulation thread only:
  std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point realtime_base_wall;
  sim::time_us realtime_base_virtual = 0;

  void accept();
  void clock_tick();
  void begin_shutdown();
  void finish_session();  // simulation thread: no more calls; the trace is written
  void stop_threads();
  // Runs a control request on the simulation thread; the answer goes through `reply`.
  void control(const std::string& method, const std::string& path, const std::string& body,
               std::function<void(int, json)> reply);
};

namespace {

std::string next_request_id(std::atomic<std::uint64_t>& counter) {
  // UUID-shaped, as AWS request ids are, and deterministic per session.
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(++counter));
  return buf;
}

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, server::impl& srv) : stream_(std::move(socket)), srv_(srv) {
    ++srv_.connections;
  }
  ~connection() { --srv_.connections; }

  void start() {
    asio::dispatch(stream_.get_executor(),
                   beast::bind_front_handler(&connection::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_.options.max_header_bytes));
    parser_->body_limit(srv_.options.max_body_bytes);
    stream_.expires_after(srv_.options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&connection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      close();
      return;
    }
    if (ec == http::error::body_limit) {
      // What AWS answered for an oversized request (a non-XML 413).
      plain(
          413,
          "HTTP content length exceeded " + std::to_string(srv_.options.max_body_bytes) + " bytes.",
          false);
      return;
    }
    if (ec == http::error::header_limit) {
      plain(431, "Request header fields too large.", false);
      return;
    }
    if (ec) {
      plain(400, "Malformed HTTP request: " + ec.message(), false);
      return;
    }
    stream_.expires_never();  // a long poll may wait for virtual time
    http::request<http::string_body> req = parser_->release();
    keep_alive_ = req.keep_alive();
    handle(std::move(req));
  }

  void handle(http::request<http::string_body>&& req) {
    const std::string target(req.target());
    if (target.rfind("/_pipesim/", 0) == 0) {
      auto self = shared_from_this();
      const std::string method(req.method_string());
      std::string path = target.substr(0, target.find('?'));
      asio::dispatch(*srv_.sim_ctx, [self, method, path, body = std::move(req.body())] {
        if (self->srv_.stopping) return;
        self->srv_.control(method, path, body, [self](int status, json answer) {
          asio::dispatch(self->stream_.get_executor(), [self, status, answer = std::move(answer)] {
            wire::http_response r;
            r.status = status;
            r.headers.push_back({"Content-Type", "application/json"});
            r.body = answer.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
            self->send(std::move(r));
          });
        });
      });
      return;
    }
    wire::http_request w;
    w.method = std::string(req.method_string());
    w.target = target;
    for (const auto& field : req) {
      w.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    w.body = std::move(req.body());

    wire::context ctx;
    ctx.origin = wire::origin_of(w, "http://127.0.0.1:" + std::to_string(srv_.bound_port));
    ctx.request_id = next_request_id(srv_.request_ids);
    ctx.region = srv_.sess.scenario().region;
    ctx.account = srv_.sess.scenario().account;

    if (srv_.options.sigv4) {
      const std::string service = wire::service_of(w);
      const wire::protocol p = service == "sagemaker" ? wire::protocol::sagemaker_json
                               : wire::find_header(w.headers, "x-amz-target").empty()
                                   ? wire::protocol::sqs_query
                                   : wire::protocol::sqs_json;
      if (auto err = wire::verify_sigv4(w, srv_.options.sigv4->first, srv_.options.sigv4->second,
                                        p != wire::protocol::sqs_query)) {
        send(wire::error_response(p, *err, ctx));
        return;
      }
    }
    wire::decoded d = wire::decode(w, ctx);
    if (!d.to_call) {
      send(std::move(d.error));
      return;
    }
    auto self = shared_from_this();
    asio::dispatch(*srv_.sim_ctx, [self, c = std::move(*d.to_call), ctx]() {
      if (self->srv_.stopping) return;  // the session is over and its trace written
      self->srv_.last_activity = std::chrono::steady_clock::now();
      self->srv_.sess.submit(c, [self, c, ctx](const models::api_result& r) {
        self->srv_.last_activity = std::chrono::steady_clock::now();
        wire::http_response response = wire::encode(c, r, ctx);
        asio::dispatch(
            self->stream_.get_executor(),
            [self, response = std::move(response)]() mutable { self->send(std::move(response)); });
      });
    });
  }

  void plain(int status, std::string text, bool keep_alive) {
    keep_alive_ = keep_alive;
    wire::http_response r;
    r.status = status;
    r.headers.push_back({"Content-Type", "text/plain"});
    r.body = std::move(text);
    send(std::move(r));
  }

  void send(wire::http_response&& r) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(r.status));
    for (const wire::header& h : r.headers) res->set(h.name, h.value);
    res->set(http::field::date, http_date_now());
    res->set(http::field::server, "pipesim");
    res->keep_alive(keep_alive_);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(srv_.options.idle_timeout);
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec || !self->keep_alive_) {
                          self->close();
                          return;
                        }
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  server::impl& srv_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = true;
};

json error_json(const std::string& message) { return {{"error", message}}; }

}  // namespace

void server::impl::accept() {
  auto on_accept = [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!stopping) accept();
      return;
    }
    if (connections.load() >= options.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);  // over the connection limit: refuse rather than queue
    } else {
      std::make_shared<connection>(std::move(socket), *this)->start();
    }
    accept();
  };
  // Strands only when several threads run the network: one thread needs no locking, and without
  // a strand an answer computed on that thread is written at once instead of queued.
  if (options.network_threads > 1) {
    acceptor.async_accept(asio::make_strand(net_ioc), std::move(on_accept));
  } else {
    acceptor.async_accept(net_ioc, std::move(on_accept));
  }
}

void server::impl::control(const std::string& method, const std::string& path,
                           const std::string& body, std::function<void(int, json)> reply) {
  const auto now_json = [&] { return json{{"now", sim::format_duration(sess.now())}}; };
  if (path == "/_pipesim/report" && method == "GET") {
    reply(200, sess.report_json());
    return;
  }
  if (path == "/_pipesim/shutdown" && method == "POST") {
    // Answered once the trace is written, so the caller may read it at once.
    finish_session();
    reply(200, json{{"ok", true}, {"now", sim::format_duration(sess.now())}});
    stop_threads();
    return;
  }
  if (path == "/_pipesim/advance" && method == "POST") {
    const json request = json::parse(body.empty() ? "{}" : body, nullptr, false);
    if (!request.is_object() || request.size() != 1) {
      reply(400,
            error_json("expected a JSON object with exactly one of \"by\" (a duration), \"to\" "
                       "(a virtual time since the start) or \"until\": \"idle\""));
      return;
    }
    try {
      if (request.contains("by") && request["by"].is_string()) {
        sess.advance_to(sess.now() + sim::parse_duration(request["by"].get<std::string>()));
      } else if (request.contains("to") && request["to"].is_string()) {
        const sim::time_us to = sim::parse_duration(request["to"].get<std::string>());
        if (to < sess.now()) {
          reply(400, error_json("/to: " + request["to"].get<std::string>() +
                                " is before the current virtual time " +
                                sim::format_duration(sess.now())));
          return;
        }
        sess.advance_to(to);
      } else if (request.contains("until") && request["until"] == "idle") {
        sess.advance_until_idle();
      } else {
        reply(400, error_json("expected {\"by\": \"<duration>\"}, {\"to\": \"<duration>\"} or "
                              "{\"until\": \"idle\"}"));
        return;
      }
    } catch (const sim::duration_error& e) {
      reply(400, error_json(e.what()));
      return;
    }
    reply(200, now_json());
    return;
  }
  reply(404,
        error_json("no such control endpoint: " + method + " " + path +
                   " (POST /_pipesim/advance, GET /_pipesim/report, POST /_pipesim/shutdown)"));
}

void server::impl::clock_tick() {
  if (stopping) return;
  using namespace std::chrono;
  const auto now = steady_clock::now();
  if (options.clock == clock_mode::automatic) {
    // Every client is waiting (in long polls, or idle) once nothing has arrived or been answered
    // for the grace: then nothing can happen until virtual time moves, so it jumps.
    if (now - last_activity >= options.auto_grace && sess.now() < sess.scenario().until_us) {
      if (sess.advance_to_next_event()) last_activity = now;
    }
    clock_timer.expires_after(options.auto_grace / 2 + milliseconds(1));
  } else if (options.clock == clock_mode::realtime) {
    const double elapsed_s = duration<double>(now - realtime_base_wall).count();
    const auto target = realtime_base_virtual +
                        static_cast<sim::time_us>(elapsed_s * options.speed * sim::k_second_us);
    if (target > sess.now()) sess.advance_to(target);
    clock_timer.expires_after(milliseconds(10));
  } else {
    return;
  }
  clock_timer.async_wait([this](beast::error_code ec) {
    if (!ec) clock_tick();
  });
}

void server::impl::begin_shutdown() {
  asio::post(*sim_ctx, [this] {
    finish_session();
    stop_threads();
  });
}

void server::impl::finish_session() {
  if (stopping.exchange(true)) return;
  clock_timer.cancel();
  if (on_shutdown) on_shutdown(sess);
}

void server::impl::stop_threads() {
  sim_work.reset();
  asio::post(net_ioc, [this] {
    beast::error_code ec;
    acceptor.close(ec);
    signals.cancel(ec);
    // Answers already posted (the shutdown's own) get a moment to reach their clients.
    auto grace = std::make_shared<asio::steady_timer>(net_ioc, std::chrono::milliseconds(200));
    grace->async_wait([this, grace](beast::error_code) {
      net_ioc.stop();
      sim_ioc.stop();
    });
  });
}

server::server(session& s, server_options options)
    : impl_(std::make_unique<impl>(s, std::move(options))) {}
server::~server() = default;

unsigned short server::port() const noexcept { return impl_->bound_port; }

void server::shutdown() { impl_->begin_shutdown(); }

void server::run(std::function<void(session&)> on_shutdown) {
  impl& m = *impl_;
  m.on_shutdown = std::move(on_shutdown);
  m.signals.async_wait([&m](beast::error_code ec, int) {
    if (!ec) m.begin_shutdown();
  });
  m.accept();
  m.realtime_base_wall = std::chrono::steady_clock::now();
  m.realtime_base_virtual = m.sess.now();
  asio::post(*m.sim_ctx, [&m] { m.clock_tick(); });
  std::thread sim_thread;
  if (m.sim_ctx == &m.sim_ioc) sim_thread = std::thread([&m] { m.sim_ioc.run(); });
  std::vector<std::thread> net_threads;
  for (int i = 1; i < m.options.network_threads; ++i) {
    net_threads.emplace_back([&m] { m.net_ioc.run(); });
  }
  m.net_ioc.run();
  for (std::thread& t : net_threads) t.join();
  if (sim_thread.joinable()) sim_thread.join();
}

}  // namespace serve
