// Signature Version 4, checked against published vectors: RFC 4231's HMAC-SHA256 test case 2 and
// the complete signing example of
// https://docs.aws.amazon.com/general/latest/gr/sigv4-signed-request-examples.html (IAM ListUsers,
// 20150830T123600Z, secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY).
#include "wire/sigv4.hpp"

#include "wire/endpoint.hpp"

#include <boost/test/unit_test.hpp>

namespace {

wire::http_request aws_example() {
  wire::http_request r;
  r.method = "GET";
  r.target = "/?Action=ListUsers&Version=2010-05-08";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Host", "iam.amazonaws.com"},
               {"X-Amz-Date", "20150830T123600Z"},
               {"Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date, "
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}};
  return r;
}

constexpr const char* k_secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

}  // namespace

BOOST_AUTO_TEST_SUITE(sigv4_test)

BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc_4231) {
  BOOST_TEST(wire::hmac_sha256("Jefe", "what do ya want for nothing?") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(the_documented_example_verifies) {
  BOOST_TEST(wire::sigv4_signature(aws_example(), k_secret) ==
             "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  BOOST_TEST(!wire::verify_sigv4(aws_example(), "AKIDEXAMPLE", k_secret, false).has_value());
}

BOOST_AUTO_TEST_CASE(bad_credentials_get_the_aws_errors) {
  const auto wrong_secret = wire::verify_sigv4(aws_example(), "AKIDEXAMPLE", "nope", false);
  BOOST_TEST_REQUIRE(wrong_secret.has_value());
  BOOST_TEST(wrong_secret->code == "SignatureDoesNotMatch");
  BOOST_TEST(wrong_secret->http_status == 403);

  const auto wrong_key = wire::verify_sigv4(aws_example(), "OTHER", k_secret, false);
  BOOST_TEST_REQUIRE(wrong_key.has_value());
  BOOST_TEST(wrong_key->code == "InvalidClientTokenId");
  BOOST_TEST(wrong_key->http_status == 403);

  const auto json_key = wire::verify_sigv4(aws_example(), "OTHER", k_secret, true);
  BOOST_TEST(json_key->code == "UnrecognizedClientException");
  BOOST_TEST(json_key->http_status == 400);

  wire::http_request unsigned_request = aws_example();
  unsigned_request.headers.pop_back();
  const auto missing = wire::verify_sigv4(unsigned_request, "AKIDEXAMPLE", k_secret, false);
  BOOST_TEST(missing->code == "MissingAuthenticationToken");
  BOOST_TEST(missing->http_status == 403);

  wire::http_request tampered = aws_example();
  tampered.target = "/?Action=ListUsers&Version=2010-05-09";
  BOOST_TEST(wire::verify_sigv4(tampered, "AKIDEXAMPLE", k_secret, false)->code ==
             "SignatureDoesNotMatch");
}

BOOST_AUTO_TEST_SUITE_END()
