// tachyon: the command-line tool. One subcommand per file (cmd_*.cpp), registered in main().
#include <CLI/CLI.hpp>

#include "apps/commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"tachyon: kernel-bypass packet I/O and a userspace TCP/IP stack"};
    app.require_subcommand(1);
    int exit_code = 0;
    tachyon::apps::add_demo_command(app, exit_code);
    CLI11_PARSE(app, argc, argv);
    return exit_code;
}
