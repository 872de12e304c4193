// MD5 against RFC 1321 appendix A.5, SHA-256 against the FIPS 180-4 / NIST example vectors.
#include "models/sqs/hash.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using models::sqs::md5_hex;
using models::sqs::sha256_hex;

BOOST_AUTO_TEST_SUITE(hash_test)

BOOST_AUTO_TEST_CASE(md5_matches_rfc_1321_test_suite) {
  BOOST_TEST(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  BOOST_TEST(md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
  BOOST_TEST(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  BOOST_TEST(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  BOOST_TEST(md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  BOOST_TEST(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
             "d174ab98d277d9f5a5611c2c9f419d9f");
  BOOST_TEST(md5_hex("1234567890123456789012345678901234567890123456789012345678901234567890123456"
                     "7890") == "57edf4a22be3c955ac49da2e2107b67a");
}

BOOST_AUTO_TEST_CASE(sha256_matches_fips_180_vectors) {
  BOOST_TEST(sha256_hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(sha256_hex(std::string(1'000'000, 'a')) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(message_body_md5_is_what_sqs_returns) {
  // MD5OfMessageBody is the hex MD5 of the UTF-8 body (AWS SDKs check it the same way).
  BOOST_TEST(md5_hex("hello") == "5d41402abc4b2a76b9719d911017c592");
}

BOOST_AUTO_TEST_CASE(base64_round_trips_rfc_4648_vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    BOOST_TEST(models::sqs::base64_encode(plain[i]) == coded[i]);
    std::string out;
    BOOST_TEST(models::sqs::base64_decode(coded[i], out));
    BOOST_TEST(out == plain[i]);
  }
  std::string out;
  BOOST_TEST(!models::sqs::base64_decode("Zm9", out));
  BOOST_TEST(!models::sqs::base64_decode("Z=9v", out));
}

BOOST_AUTO_TEST_SUITE_END()
