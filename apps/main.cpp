// tachyon: the command-line tool. One subcommand per file (cmd_*.cpp), registered in main().
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "apps/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"tachyon: kernel-bypass packet I/O and a userspace TCP/IP stack"};
    app.require_subcommand(1);
    // Every parse error as "tachyon: <what>" with the pointer to --help; non-zero exit (CLI11's codes).
    app.failure_message([](const CLI::App*, const CLI::Error& e) {
        return "tachyon: " + std::string(e.what()) + "\nRun with --help for more information.\n";
    });
    int exit_code = 0;
    tachyon::apps::add_demo_command(app, exit_code);
    tachyon::apps::add_echo_command(app, exit_code);
    tachyon::apps::add_httpd_command(app, exit_code);
    tachyon::apps::add_perf_command(app, exit_code);
    tachyon::apps::add_ping_command(app, exit_code);
    tachyon::apps::add_stat_command(app, exit_code);
    std::string names;
    bool known = argc < 2 || argv[1][0] == '-';
    for (const CLI::App* sub : app.get_subcommands({})) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
        known |= argc >= 2 && sub->get_name() == argv[1];
    }
    if (!known) {
        std::fprintf(stderr, "tachyon: unknown command '%s' (commands: %s)\nRun with --help for more information.\n",
                     argv[1], names.c_str());
        return 106;
    }
    CLI11_PARSE(app, argc, argv);
    return exit_code;
}
