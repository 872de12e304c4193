// Raw HTTP requests into the wire layer (both SQS protocols and SageMaker's): the input is an
// HTTP/1.1 request as a client sends it (request line, headers, blank line, body). Whatever it
// holds, decode() gives a call or the protocol's error response, and a call's result encodes to
// an HTTP response of the right protocol: nothing escapes, every response has a status.
#include "fuzz.hpp"
#include "models/sqs/service.hpp"
#include "wire/endpoint.hpp"

#include <cstdlib>
#include <string_view>

namespace {

// A permissive split of the bytes into a request; what a real server would reject earlier is
// still handed over, as the wire layer must not rely on the server's checks.
wire::http_request to_request(std::string_view in) {
  wire::http_request r;
  const std::size_t line_end = in.find("\r\n");
  const std::string_view line = in.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 != std::string_view::npos) {
    r.method = std::string(line.substr(0, sp1));
    r.target =
        std::string(line.substr(sp1 + 1, sp2 == std::string_view::npos ? sp2 : sp2 - sp1 - 1));
  }
  if (line_end == std::string_view::npos) return r;
  std::size_t at = line_end + 2;
  while (at < in.size()) {
    const std::size_t end = in.find("\r\n", at);
    const std::string_view h = in.substr(at, end == std::string_view::npos ? end : end - at);
    if (end == std::string_view::npos) {
      r.body = std::string(h);
      return r;
    }
    at = end + 2;
    if (h.empty()) break;
    const std::size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view v = h.substr(colon + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    r.headers.push_back({std::string(h.substr(0, colon)), std::string(v)});
  }
  r.body = std::string(in.substr(std::min(at, in.size())));
  return r;
}

}  // namespace

PIPESIM_FUZZ_TARGET {
  const wire::http_request request = to_request(pipesim::fuzz::text(data, size));
  wire::context ctx;
  ctx.origin = wire::origin_of(request, "http://127.0.0.1:4566");
  ctx.request_id = "fuzz";
  (void)wire::service_of(request);
  const wire::decoded d = wire::decode(request, ctx);
  if (!d.to_call) {
    if (d.error.status < 400) std::abort();  // an undecodable request is answered as an error
    return 0;
  }
  if (!d.to_call->sqs()) return 0;  // SageMaker calls: the model is fuzzed on its own
  sim::simulation s(1);
  models::sqs::service sqs(s, models::knob_values(models::sqs::knobs(), models::profile::ideal));
  (void)sqs.call("CreateQueue", {{"QueueName", "q"}});
  models::api_result result = models::api_result::failure("InternalFailure", "not run");
  sqs.call_async(d.to_call->operation, d.to_call->params,
                 [&result](models::api_result r) { result = std::move(r); });
  s.run(sim::run_limits{s.now() + sim::k_minute_us, 10'000});
  const wire::http_response response = wire::encode(*d.to_call, result, ctx);
  if (response.status < 200 || response.status > 599) std::abort();
  return 0;
}
