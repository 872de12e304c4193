// The consumer process: polling, delivery, scheduled work, injected crashes and restarts.
#include "consumer_host.hpp"

#include "models/sqs/service.hpp"

namespace scenarios {

using nlohmann::json;

void effect_log::created(effect_record r) {
  r.created = true;
  history_.push_back(r);
  const auto [it, inserted] = alive_.emplace(r.resource, r);
  if (!inserted && on_double_create_) on_double_create_(r);
}

void effect_log::deleted(effect_record r) {
  r.created = false;
  alive_.erase(r.resource);
  history_.push_back(std::move(r));
}

consumer_host::consumer_host(sim::simulation& s, consumer_spec spec, std::string queue_url,
                             models::sqs::service& sqs, sagemaker_call_fn sagemaker,
                             pipesim::consumer_factory factory, effect_log& effects,
                             host_options options)
    : sim_(s),
      spec_(std::move(spec)),
      queue_url_(std::move(queue_url)),
      sqs_(sqs),
      sagemaker_(std::move(sagemaker)),
      factory_(std::move(factory)),
      effects_(effects),
      options_(options),
      crash_label_("consumer." + spec_.name + ".killed"),
      poll_request_{{"QueueUrl", queue_url_},
                    {"MaxNumberOfMessages", spec_.max_messages},
                    {"WaitTimeSeconds", spec_.poll_wait_us / sim::k_second_us},
                    {"MessageSystemAttributeNames", json::array({"All"})}},
      lane_(s.lane("consumer." + spec_.name)),
      ids_(s.stream("consumer." + spec_.name + ".ids")) {}

consumer_host::~consumer_host() = default;

std::string consumer_host::label(std::string_view what) const {
  std::string l = "consumer.";
  l += spec_.name;
  l += '.';
  l += what;
  return l;
}

void consumer_host::log(std::string_view type, const json& fields) {
  if (!sim_.trace().enabled()) return;
  json f = fields.is_object() ? fields : json{{"value", fields}};
  f["consumer"] = spec_.name;
  std::string t = "consumer.";
  t += type;
  sim_.record(t, f);
}

void consumer_host::start() {
  process_ = factory_();
  sim_.schedule_after(
      0, [this] { poll(); }, lane_);
}

void consumer_host::crash_point() {
  if (sim_.chance(crash_label_, options_.crash_probability)) throw pipesim::crashed{};
}

template <typename Fn>
void consumer_host::guarded(Fn&& fn) {
  try {
    crash_point();
    fn();
  } catch (const pipesim::crashed&) {
    went_down();
  }
}

void consumer_host::poll() {
  const std::uint64_t generation = generation_;
  sqs_.call_async(
      "ReceiveMessage", poll_request_,
      [this, generation](models::api_result r) {
        if (generation != generation_) return;  // the process died while the poll was open
        if (!r.ok()) {
          log("receive_error", {{"code", r.error->code}});
          sim_.schedule_after(
              sim::k_second_us,
              [this, generation] {
                if (generation == generation_) poll();
              },
              lane_);
          return;
        }
        // Read in place: copying the batch (or building an empty default) on every poll is waste.
        static const json k_no_messages = json::array();
        const auto batch = r.response.find("Messages");
        const json& messages = batch != r.response.end() ? *batch : k_no_messages;
        for (const json& m : messages) {
          if (generation != generation_) return;  // crashed mid-batch: the rest come back later
          deliver(m);
        }
        if (generation != generation_) return;
        // A short poll that found nothing waits a second rather than spinning in virtual time.
        const sim::time_us pause =
            messages.empty() && spec_.poll_wait_us == 0 ? sim::k_second_us : 0;
        sim_.schedule_after(
            pause,
            [this, generation] {
              if (generation == generation_) poll();
            },
            lane_);
      },
      lane_);
}

void consumer_host::deliver(const json& m) {
  ++stats_.received;
  if (on_deliver_) on_deliver_();
  pipesim::message msg;
  msg.message_id = m.value("MessageId", "");
  msg.receipt_handle = m.value("ReceiptHandle", "");
  msg.body = m.value("Body", "");
  if (m.contains("Attributes") && m["Attributes"].contains("ApproximateReceiveCount")) {
    msg.receive_count = std::stoll(m["Attributes"]["ApproximateReceiveCount"].get<std::string>());
  }
  msg.raw = m;
  guarded([&] { process_->on_message(*this, msg); });
}

void consumer_host::after(pipesim::duration delay, std::function<void(pipesim::context&)> work) {
  ++pending_work_;
  const std::uint64_t generation = generation_;
  sim_.schedule_after(
      delay.count(),
      [this, generation, work = std::move(work)] {
        if (generation != generation_) return;
        --pending_work_;
        guarded([&] { work(*this); });
      },
      lane_);
}

// The model's answer in the consumer API's vocabulary (moved, not copied).
pipesim::api_result to_public(models::api_result r) {
  pipesim::api_result out;
  out.response = std::move(r.response);
  if (r.error)
    out.error = pipesim::api_error{std::move(r.error->code), std::move(r.error->message),
                                   r.error->http_status};
  return out;
}

pipesim::api_result consumer_host::sagemaker(std::string_view operation, const json& request) {
  crash_point();
  ++stats_.api_calls;
  pipesim::api_result r = to_public(sagemaker_(operation, request));
  if (!r.ok()) ++stats_.api_errors;
  return r;
}

pipesim::api_result consumer_host::sqs(std::string_view operation, const json& request) {
  crash_point();
  ++stats_.api_calls;
  pipesim::api_result r = to_public(sqs_.call(operation, request));
  if (!r.ok()) ++stats_.api_errors;
  return r;
}

std::int64_t consumer_host::choose_between(std::string_view what, std::int64_t lo,
                                           std::int64_t hi) {
  return sim_.choose_between(label(what), lo, hi);
}

bool consumer_host::chance(std::string_view what, double p) {
  return p > 0.0 && sim_.chance(label(what), p);
}

std::string consumer_host::uuid() { return sim::uuid_v4(ids_); }

void consumer_host::created(const std::string& resource, const std::string& token) {
  effects_.created(effect_record{sim_.now(), spec_.name, resource, token, true});
  log("effect", {{"resource", resource}, {"effect", "created"}, {"token", token}});
}

void consumer_host::deleted(const std::string& resource) {
  effects_.deleted(effect_record{sim_.now(), spec_.name, resource, {}, false});
  log("effect", {{"resource", resource}, {"effect", "deleted"}});
}

void consumer_host::crash() { throw pipesim::crashed{}; }

void consumer_host::went_down() {
  ++stats_.crashes;
  ++generation_;
  pending_work_ = 0;
  process_.reset();  // its memory is gone; what it did in the world stays
  log("crashed", {{"restart_after_us", k_restart_after_us}});
  const std::uint64_t generation = generation_;
  sim_.schedule_after(
      k_restart_after_us,
      [this, generation] {
        if (generation != generation_) return;
        process_ = factory_();
        log("restarted", json::object());
        poll();
      },
      lane_);
}

}  // namespace scenarios
