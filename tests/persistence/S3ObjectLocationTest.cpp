// S3BlobStore::objectLocation: pure URL building (constructing the store does not connect).
// No database: the SQLite run only.

#include <boost/test/unit_test.hpp>
#include <string>

#include "Fixtures.hpp"
#include "persistence/LocalBlobStore.hpp"
#include "persistence/S3BlobStore.hpp"

using namespace mofang;
using mofang::test::sqliteRunOnly;
using mofang::test::TempDir;
using persistence::S3BlobStore;

namespace {

const std::string kTempPrefix = "mofang-s3loc";  // of the TempDirs

const std::string kKey = "abcd" + std::string(60, 'e');

}  // namespace

BOOST_AUTO_TEST_SUITE(s3_object_location, *boost::unit_test::precondition(sqliteRunOnly))

BOOST_AUTO_TEST_CASE(path_style_virtual_host_and_cdn) {
    TempDir dir(kTempPrefix);
    const auto base = "&accessKey=AK&secretKey=SK&region=us-east-1&staging=" + (dir.path / "s").string();

    S3BlobStore pathStyle(
        persistence::parseS3Uri("s3://bkt?endpoint=http://127.0.0.1:9000&pathStyle=true" + base));
    const auto a = pathStyle.objectLocation(kKey);
    BOOST_REQUIRE(a);
    BOOST_TEST(a->objectName == "ab/cd/" + kKey);
    BOOST_TEST(a->folder == "ab/cd");
    BOOST_TEST(a->url == "http://127.0.0.1:9000/bkt/ab/cd/" + kKey);
    BOOST_TEST(a->cdnUrl.empty());

    S3BlobStore vhost(persistence::parseS3Uri("s3://bkt?endpoint=https://s3.example.com" + base +
                                              "&publicEndpoint=https://public.example.com:8443"));
    const auto b = vhost.objectLocation(kKey);
    BOOST_REQUIRE(b);
    BOOST_TEST(b->url == "https://bkt.public.example.com:8443/ab/cd/" + kKey);
    BOOST_TEST(b->objectName == "ab/cd/" + kKey);

    S3BlobStore oss(persistence::parseS3Uri("s3://bkt?endpoint=https://oss-cn-hangzhou.aliyuncs.com" + base +
                                            "&cdn=https://cdn.example.com/"));
    const auto c = oss.objectLocation(kKey);
    BOOST_REQUIRE(c);
    BOOST_TEST(c->url == "https://bkt.oss-cn-hangzhou.aliyuncs.com/ab/cd/" + kKey);
    BOOST_TEST(c->cdnUrl == "https://cdn.example.com/ab/cd/" + kKey);
    BOOST_TEST(c->folder == "ab/cd");

    BOOST_TEST(!pathStyle.objectLocation("../etc/passwd"));
}

BOOST_AUTO_TEST_CASE(a_local_store_has_no_object_location) {
    TempDir dir(kTempPrefix);
    persistence::LocalBlobStore local((dir.path / "objects").string());
    BOOST_TEST(!local.objectLocation(kKey));
}

BOOST_AUTO_TEST_SUITE_END()
