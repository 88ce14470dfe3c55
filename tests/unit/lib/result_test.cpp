#include "lib/result.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

namespace tachyon {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) return Result<int>::fail(EINVAL, "must be positive");
    return v;
}

Result<void> check(bool ok) {
    if (!ok) return Error{EADDRINUSE, {}};
    return {};
}

TEST(Result, ValueAndError) {
    Result<int> ok = parse_positive(5);
    ASSERT_TRUE(ok.ok());
    EXPECT_TRUE(static_cast<bool>(ok));
    EXPECT_EQ(ok.value(), 5);
    EXPECT_EQ(*ok, 5);
    EXPECT_EQ(ok.code(), 0);

    Result<int> bad = parse_positive(-1);
    EXPECT_FALSE(bad.ok());
    EXPECT_FALSE(static_cast<bool>(bad));
    EXPECT_EQ(bad.code(), EINVAL);
    EXPECT_EQ(bad.error().detail, "must be positive");
}

TEST(Result, MoveOnlyValue) {
    Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
    ASSERT_TRUE(r);
    EXPECT_EQ(**r, 7);
    std::unique_ptr<int> p = std::move(r).value();
    EXPECT_EQ(*p, 7);
}

TEST(Result, ArrowReachesMembers) {
    Result<std::string> r(std::string("abc"));
    EXPECT_EQ(r->size(), 3u);
    const Result<std::string>& cr = r;
    EXPECT_EQ(cr->size(), 3u);
    EXPECT_EQ(cr.value(), "abc");
}

TEST(Result, VoidResult) {
    Result<void> ok = check(true);
    EXPECT_TRUE(ok.ok());
    EXPECT_EQ(ok.code(), 0);
    Result<void> bad = check(false);
    EXPECT_FALSE(bad);
    EXPECT_EQ(bad.code(), EADDRINUSE);
    Result<void> f = Result<void>::fail(ENOENT, "no such device");
    EXPECT_EQ(f.code(), ENOENT);
    EXPECT_EQ(f.error().detail, "no such device");
}

TEST(Error, MessageCombinesStrerrorAndDetail) {
    const Error plain{ECONNREFUSED, {}};
    EXPECT_EQ(plain.message(), std::strerror(ECONNREFUSED));
    const Error detailed{EINVAL, "bad device spec 'foo'"};
    EXPECT_EQ(detailed.message(), std::string(std::strerror(EINVAL)) + ": bad device spec 'foo'");
}

}  // namespace
}  // namespace tachyon
