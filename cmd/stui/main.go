// Command stui is STUI's command line: talk to a Pharo image (ping, eval, inspect,
// sessions), check Smalltalk sources, launch Pharo, measure. Run `stui help`.
package main

import (
	"os"

	"github.com/stui-dev/stui/cmd/stui/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.StdEnv()))
}
