#include "cli/commands.h"

// Wiring only: everything lives in the layers under src/.
int main(int argc, char** argv) { return weir::RunCli(argc, argv); }
