// SigV4 against AWS's published examples: the S3 developer guide's GET Object, PUT Object,
// GET Bucket lifecycle and GET Bucket (list) requests, and requests of the generic SigV4
// test suite (service "service").
#include "net/sigv4.h"

#include <gtest/gtest.h>

#include "base/hash.h"

namespace weir {
namespace {

const AwsCredentials kS3Docs{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                             ""};
const AwsCredentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const std::string kEmptySha = Sha256Hex("");

Time At(std::string_view iso) { return ParseDateTime(iso).value(); }

std::string SignatureOf(const std::map<std::string, std::string>& headers) {
  const std::string& auth = headers.at("Authorization");
  return auth.substr(auth.rfind('=') + 1);
}

SigV4Request S3Request(std::string method, std::string path) {
  SigV4Request r;
  r.method = std::move(method);
  r.host = "examplebucket.s3.amazonaws.com";
  r.path = std::move(path);
  r.payload_sha256 = kEmptySha;
  return r;
}

TEST(SigV4, GetObjectWithARange) {
  SigV4Request r = S3Request("GET", "/test.txt");
  r.headers = {{"Range", "bytes=0-9"}};
  auto h = SignV4(r, kS3Docs, {}, At("2013-05-24T00:00:00Z"));
  EXPECT_EQ(h.at("Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(h.at("x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(h.at("x-amz-content-sha256"), kEmptySha);
  auto signed_headers = h;
  signed_headers.erase("Authorization");
  signed_headers["host"] = r.host;
  EXPECT_EQ(Sha256Hex(CanonicalRequest(r, signed_headers)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
}

TEST(SigV4, PutObjectSignsThePayloadAndEncodesTheKeyOnce) {
  SigV4Request r = S3Request("PUT", S3EncodePath("/test$file.text"));
  EXPECT_EQ(r.path, "/test%24file.text");
  r.payload_sha256 = Sha256Hex("Welcome to Amazon S3.");
  r.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
               {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  auto h = SignV4(r, kS3Docs, {}, At("2013-05-24T00:00:00Z"));
  EXPECT_EQ(SignatureOf(h), "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  EXPECT_NE(
      h.at("Authorization")
          .find("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class"),
      std::string::npos);
}

TEST(SigV4, QueryParametersWithAndWithoutValues) {
  SigV4Request lifecycle = S3Request("GET", "/");
  lifecycle.query = {{"lifecycle", ""}};
  EXPECT_EQ(SignatureOf(SignV4(lifecycle, kS3Docs, {}, At("2013-05-24T00:00:00Z"))),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  SigV4Request list = S3Request("GET", "/");
  list.query = {{"prefix", "J"}, {"max-keys", "2"}};  // sorted by the signer
  EXPECT_EQ(SignatureOf(SignV4(list, kS3Docs, {}, At("2013-05-24T00:00:00Z"))),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, TheGenericTestSuite) {
  SigV4Request r;
  r.method = "GET";
  r.host = "example.amazonaws.com";
  r.payload_sha256 = kEmptySha;
  r.content_sha256_header = false;
  SigV4Scope scope{"us-east-1", "service"};
  Time t = At("2015-08-30T12:36:00Z");
  // get-vanilla
  EXPECT_EQ(SignatureOf(SignV4(r, kSuite, scope, t)),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  // get-vanilla-query-order-key-case
  r.query = {{"Param2", "value2"}, {"Param1", "value1"}};
  EXPECT_EQ(SignatureOf(SignV4(r, kSuite, scope, t)),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, ASessionTokenIsSentAndSigned) {
  AwsCredentials creds = kS3Docs;
  creds.session_token = "FwoGZXIvYXdzEXAMPLE";
  auto h = SignV4(S3Request("HEAD", "/k"), creds, {}, At("2013-05-24T00:00:00Z"));
  EXPECT_EQ(h.at("x-amz-security-token"), "FwoGZXIvYXdzEXAMPLE");
  EXPECT_NE(h.at("Authorization").find("x-amz-date;x-amz-security-token,"), std::string::npos);
  EXPECT_NE(SignatureOf(h),
            SignatureOf(SignV4(S3Request("HEAD", "/k"), kS3Docs, {}, At("2013-05-24T00:00:00Z"))));
}

TEST(SigV4, KeysAreEncodedAsS3Expects) {
  EXPECT_EQ(S3EncodePath("raw/a b/\xc3\xbc+x=1&.csv"), "raw/a%20b/%C3%BC%2Bx%3D1%26.csv");
  EXPECT_EQ(S3EncodePath("year=2021/month=01/~_-.parquet"), "year%3D2021/month%3D01/~_-.parquet");
}

}  // namespace
}  // namespace weir
