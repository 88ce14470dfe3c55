// Replays every file of tests/fuzz/corpus/<target>/ and tests/fuzz/regressions/<target>/ through
// that target's harness (the code the libFuzzer binaries run): the seed corpus must hold every
// invariant, and every crash the fuzzer found, saved in regressions/, must stay fixed. One test
// case per file, named after it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_targets.hpp"

namespace tachyon::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = TACHYON_FUZZ_DIR;

struct ReplayCase {
    std::string name;  // test name: <target>_<corpus|regressions>_<file>
    fs::path file;
    Harness run = nullptr;
};

// How GoogleTest prints a case (instead of its bytes).
void PrintTo(const ReplayCase& c, std::ostream* os) { *os << c.file.string(); }

std::string identifier(std::string s) {
    for (char& c : s) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
    }
    return s;
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (e.is_regular_file() && e.path().filename().string().front() != '.') out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<ReplayCase> all_cases() {
    std::vector<ReplayCase> out;
    for (const FuzzTarget& t : kFuzzTargets) {
        for (const char* kind : {"corpus", "regressions"}) {
            for (const fs::path& f : files_in(kFuzzDir / kind / t.name)) {
                out.push_back({identifier(std::string(t.name) + "_" + kind + "_" + f.filename().string()), f, t.run});
            }
        }
    }
    return out;
}

std::vector<uint8_t> read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FuzzReplay : public ::testing::TestWithParam<ReplayCase> {};

TEST_P(FuzzReplay, HoldsEveryInvariant) {
    const ReplayCase& c = GetParam();
    const std::vector<uint8_t> input = read_file(c.file);
    EXPECT_EQ(c.run(input), "") << c.file;
}

INSTANTIATE_TEST_SUITE_P(Files, FuzzReplay, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<ReplayCase>& info) { return info.param.name; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(FuzzReplay);

// A missing or empty corpus would make the replay above pass vacuously.
TEST(FuzzCorpus, EveryTargetHasSeeds) {
    for (const FuzzTarget& t : kFuzzTargets) {
        EXPECT_GE(files_in(kFuzzDir / "corpus" / t.name).size(), 3u) << t.name;
    }
}

// The harnesses must take any bytes, including none.
TEST(FuzzCorpus, EmptyAndTinyInputs) {
    const std::vector<uint8_t> inputs[] = {{}, {0}, {0, 1, 7}, {0xff, 0xff, 0xff, 0xff}};
    for (const FuzzTarget& t : kFuzzTargets) {
        for (const auto& in : inputs) EXPECT_EQ(t.run(in), "") << t.name << " on " << in.size() << " bytes";
    }
}

}  // namespace
}  // namespace tachyon::fuzz
