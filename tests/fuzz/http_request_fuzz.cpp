// libFuzzer target for the exporter's request handling (pooltag export):
// any bytes a client sends on one connection get well-formed HTTP answers
// from the exporter's own routes and limits (export/http_server.cpp), with
// the Accept header negotiated and quoted by the exposition code; no
// crash, no sanitizer report, no hang.
#include <cstdint>
#include <string>

#include "export/exposition.h"
#include "export/http_server.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  using namespace pooltag;
  auto handler = [](std::string_view accept) {
    auto format = exporter::negotiate(accept);
    exporter::HttpReply reply;
    reply.content_type = std::string(exporter::content_type(format));
    exporter::Family family{"pooltag_accept", exporter::MetricType::Info, "", "what the scraper accepts", {}};
    family.samples.push_back({{{"accept", std::string(accept)}}, int64_t{1}});
    reply.body = exporter::render({family}, format);
    return reply;
  };
  std::string answer = exporter::answer_request_bytes(fuzz::as_text(data, size), handler);
  if (!answer.empty()) fuzz::check(answer.rfind("HTTP/1.1 ", 0) == 0, "an answer that is not HTTP/1.1");
  // listen addresses come from the command line (--listen)
  auto listen = exporter::parse_listen_address(fuzz::as_text(data, std::min<size_t>(size, 64)));
  if (!listen.ok()) fuzz::check_one_line_error(listen.error());
  return 0;
}
