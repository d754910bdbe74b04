// postino: one program that is a whole mail system. main() only hands over to
// the CLI (src/app/cli.cpp); wiring lives there and in serve.cpp.
#include "app/cli.hpp"

int main(int argc, char** argv) { return postino::app::run_cli(argc, argv); }
