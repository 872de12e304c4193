// The user's worker program in the world (see worker_host.hpp).
#include "scenarios/worker_host.hpp"

#include "models/sqs/service.hpp"
#include "wire/endpoint.hpp"

#include <algorithm>
#include <pipesim/scenario.hpp>

namespace scenarios {

using nlohmann::json;

namespace {

std::string command_text(const std::vector<std::string>& command) {
  std::string out;
  for (const std::string& a : command) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string stderr_tail(const std::vector<std::pair<std::string, std::string>>& output) {
  std::string tail;
  std::size_t lines = 0;
  for (auto it = output.rbegin(); it != output.rend() && lines < 20; ++it) {
    if (it->first != "stderr") continue;
    tail = it->second + "\n" + tail;
    ++lines;
  }
  return tail.empty() ? "" : "; its last lines on stderr:\n" + tail;
}

}  // namespace

worker_host::worker_host(sim::simulation& s, const consumer_spec& spec, std::string queue_url,
                         models::sqs::service& sqs, sagemaker_call_fn sagemaker,
                         effect_log& effects, host_options options, setup how)
    : sim_(s),
      spec_(spec),
      queue_url_(std::move(queue_url)),
      sqs_(sqs),
      sagemaker_(std::move(sagemaker)),
      effects_(effects),
      options_(options),
      how_(std::move(how)),
      lane_(s.lane("consumer." + spec_.name)),
      ids_(s.stream("consumer." + spec_.name + ".ids")) {
  options_.crash_probability = std::max(options_.crash_probability, spec_.crash_probability);
}

worker_host::~worker_host() = default;

void worker_host::fail(const std::string& message) const {
  throw pipesim::scenario_error(how_.scenario_file, {pipesim::problem{how_.pointer, message}});
}

void worker_host::log(std::string_view type, const json& fields) {
  if (!sim_.trace().enabled()) return;
  json f = fields.is_object() ? fields : json{{"value", fields}};
  f["consumer"] = spec_.name;
  std::string t = "consumer.";
  t += type;
  sim_.record(t, f);
}

void worker_host::start() { launch(); }

void worker_host::launch() {
  runtimes::worker_setup w;
  w.command = spec_.process->command;
  w.cwd = spec_.process->cwd;
  w.environment = spec_.process->environment;
  w.environment["QUEUE_URL"] = queue_url_;
  w.environment["PIPESIM_QUEUE_URL"] = queue_url_;
  w.environment["PIPESIM_CONSUMER"] = spec_.name;
  w.region = how_.region;
  try {
    process_ = std::make_unique<runtimes::worker_process>(w);
  } catch (const std::exception& e) {
    fail("cannot start worker \"" + command_text(w.command) + "\": " + e.what());
  }
  running_ = true;
  ready_.reset();
  log("worker_started", {{"command", w.command}});
}

void worker_host::stop() {
  if (process_) process_->stop();
  process_.reset();
  running_ = false;
  ready_.reset();
}

void worker_host::serve() {
  if (sim_.now() != instant_us_) {
    instant_us_ = sim_.now();
    instant_held_ = {};
    calls_at_instant_ = 0;
  }
  // Only the time spent serving this worker counts (not other workers' or handlers' turns).
  const auto served_from = std::chrono::steady_clock::now() - instant_held_;
  struct keep_held {
    worker_host& w;
    std::chrono::steady_clock::time_point from;
    ~keep_held() { w.instant_held_ = std::chrono::steady_clock::now() - from; }
  } keep{*this, served_from};
  const std::int64_t guard_ms = spec_.process->wall_clock_guard_ms;
  while (runnable()) {
    // The guard bounds the wall-clock time the worker keeps virtual time still: one hang, or
    // many quick calls none of which waits (short polls of an empty queue in a loop).
    const std::int64_t held_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - served_from)
                                     .count();
    if (ready_) {
      const auto [connection, response] = std::move(*ready_);
      ready_.reset();
      process_->answer(connection, response);
      running_ = true;
    }
    const runtimes::worker_step step =
        process_->next(std::max<std::int64_t>(guard_ms - held_ms, 0));
    for (const auto& [stream, text] : step.output)
      log("worker_log", {{"stream", stream}, {"text", text}});
    switch (step.how) {
      case runtimes::worker_step::kind::request:
        ++calls_at_instant_;
        dispatch(step.connection, step.request);
        break;
      case runtimes::worker_step::kind::exited: {
        running_ = false;
        process_.reset();
        log("worker_exited", {{"status", step.exit_status}});
        if (step.exit_status != "exit status 0" && how_.violate) {
          how_.violate("worker_exits_cleanly",
                       "worker " + spec_.name + " (" + command_text(spec_.process->command) +
                           ") exited: " + step.exit_status + stderr_tail(step.output));
        }
        return;
      }
      case runtimes::worker_step::kind::timed_out:
        stop();
        fail("worker " + spec_.name + " (" + command_text(spec_.process->command) +
             ") held virtual time still at " + sim::format_duration(sim_.now()) + " for " +
             std::to_string(guard_ms) + " ms of wall-clock time (\"wall_clock_guard\"), " +
             (calls_at_instant_ == 0 ? std::string("making no AWS call")
                                     : "making " + std::to_string(calls_at_instant_) +
                                           " AWS calls none of which waited") +
             ". Virtual time advances only while every worker waits in a long poll "
             "(ReceiveMessage with WaitTimeSeconds > 0): a wall-clock wait, a busy loop or a short "
             "poll "
             "of an empty queue in a loop never lets it; the worker was killed" +
             stderr_tail(step.output));
    }
  }
}

void worker_host::dispatch(std::uint64_t connection, const wire::http_request& req) {
  // A Python worker's time.sleep (runtimes/python/worker): an answer that long after now.
  const std::string_view sleep = req.header_value("x-pipesim-sleep-us");
  if (!sleep.empty()) {
    sim::time_us us = 0;
    for (const char ch : sleep) {
      if (ch < '0' || ch > '9' || us > sim::k_hour_us * 24 * 365) break;
      us = us * 10 + (ch - '0');
    }
    log("worker_sleep", {{"us", us}});
    running_ = false;
    const std::uint64_t generation = generation_;
    sim_.schedule_after(
        us,
        [this, generation, connection] {
          if (generation != generation_ || !process_) return;
          wire::http_response woke;
          woke.status = 200;
          ready_.emplace(connection, woke);
        },
        lane_);
    return;
  }
  const runtimes::route r = runtimes::route_request(
      req, how_.mocks.get(), ledger_, process_->endpoint(), how_.region, how_.account);
  // The program may die at any call it makes (the swarm's "crashes"): an ECS task replaced.
  if (options_.crash_probability > 0 &&
      sim_.chance("consumer." + spec_.name + ".killed", options_.crash_probability)) {
    killed();
    return;
  }
  if (r.mock) {
    const json request = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (request.is_discarded()) {
      ready_.emplace(connection, runtimes::json_reply(req, 400,
                                                      {{"__type", "SerializationException"},
                                                       {"message", "Malformed JSON body"}}));
      return;
    }
    ready_.emplace(connection,
                   runtimes::answer_mock(req, request, r.service, r.operation, *r.mock, ledger_,
                                         tokens_, *this, [this](json call, json answer) {
                                           log("worker_call", call);
                                           log("worker_answer", answer);
                                         }));
    return;
  }
  if (r.call) {
    const wire::call& c = *r.call;
    log("worker_call", {{"service", r.service},
                        {"operation", c.operation},
                        {"params", runtimes::canonical_params(ledger_, c.params)}});
    if (!c.sqs()) {
      answered(connection, c, r.wire, sagemaker_(c.operation, c.params));
      return;
    }
    // SQS answers in virtual time: at once in a zero-delay event, after the API latency knob,
    // or, for a long poll with nothing to receive, when a message arrives or the wait ends. The
    // program waits in the call meanwhile, and virtual time may move.
    running_ = false;
    const std::uint64_t generation = generation_;
    sqs_.call_async(
        c.operation, c.params,
        [this, generation, connection, c, wctx = r.wire](models::api_result late) {
          if (generation != generation_ || !process_) return;  // killed while it waited
          answered(connection, c, wctx, std::move(late));
        },
        lane_);
    return;
  }
  if (r.refusal) {
    ready_.emplace(connection, *r.refusal);
    return;
  }
  log("worker_call", {{"service", r.service}, {"operation", r.operation}, {"unsimulated", true}});
  if (how_.violate) {
    how_.violate("handler_calls_simulated",
                 "worker " + spec_.name + " called " + runtimes::describe_call(r) +
                     ", which pipesim neither simulates nor mocks: declare it under \"mocks\" "
                     "in the scenario (\"mocks\": {\"" +
                     r.service + "\": {\"" + r.operation + "\": {\"replies\": [...]}}})");
  }
  ready_.emplace(connection, runtimes::unsimulated_reply(req, r));
}

void worker_host::answered(std::uint64_t connection, const wire::call& call,
                           const wire::context& wctx, models::api_result r) {
  json fields{{"operation", call.operation},
              {"error", r.error ? json(r.error->code) : json(nullptr)}};
  if (call.operation == "ReceiveMessage" && r.ok()) {
    std::vector<std::string> bodies;
    json ids = json::array();
    if (r.response.contains("Messages")) {
      for (const json& m : r.response["Messages"]) {
        bodies.push_back(m.value("Body", ""));
        ids.push_back(m.value("MessageId", ""));
        if (on_deliver_) on_deliver_();
      }
    }
    fields["messages"] = ids;
    tokens_ = runtimes::callback_tokens(bodies);
  }
  log("worker_answer", fields);
  ready_.emplace(connection, wire::encode(call, r, wctx));
}

// The process dies at a call (its answer never comes) and a new one starts later, as a task
// scheduler replaces a failed task: what it did in the world stays, its memory is gone.
void worker_host::killed() {
  ++generation_;
  stop();
  log("crashed", {{"restart_after_us", k_restart_after_us}});
  const std::uint64_t generation = generation_;
  sim_.schedule_after(
      k_restart_after_us,
      [this, generation] {
        if (generation != generation_) return;
        launch();
        log("restarted", json::object());
      },
      lane_);
}

pipesim::api_result worker_host::sagemaker(std::string_view operation, const json& request) {
  return to_public(sagemaker_(operation, request));
}

pipesim::api_result worker_host::sqs(std::string_view operation, const json& request) {
  return to_public(sqs_.call(operation, request));
}

// Work of the mocked jobs a worker started: it runs in the external world, not in the program,
// so it survives the program's death.
void worker_host::after(pipesim::duration delay, std::function<void(pipesim::context&)> work) {
  ++pending_jobs_;
  sim_.schedule_after(
      delay.count(),
      [this, work = std::move(work)] {
        --pending_jobs_;
        work(*this);
      },
      lane_);
}

std::int64_t worker_host::choose_between(std::string_view what, std::int64_t lo, std::int64_t hi) {
  return sim_.choose_between("consumer." + spec_.name + "." + std::string(what), lo, hi);
}

bool worker_host::chance(std::string_view what, double p) {
  return p > 0.0 && sim_.chance("consumer." + spec_.name + "." + std::string(what), p);
}

std::string worker_host::uuid() { return sim::uuid_v4(ids_); }

void worker_host::created(const std::string& resource, const std::string& token) {
  effects_.created(effect_record{sim_.now(), spec_.name, resource, token, true});
  log("effect", {{"resource", resource}, {"effect", "created"}, {"token", token}});
}

void worker_host::deleted(const std::string& resource) {
  effects_.deleted(effect_record{sim_.now(), spec_.name, resource, {}, false});
  log("effect", {{"resource", resource}, {"effect", "deleted"}});
}

void worker_host::crash() { throw pipesim::crashed{}; }

}  // namespace scenarios
