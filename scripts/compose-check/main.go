// compose-check loads docker-compose.yml with compose-go, the loader Docker Compose itself uses:
// the Compose Specification's JSON schema, interpolation (including required `${VAR:?message}`
// variables) and cross-references are checked exactly as `docker compose up` would check them.
// It prints each service with its image as JSON, for the tests to check image pins.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

type service struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	Build bool   `json:"build"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file>")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions([]string{os.Args[1]}, cli.WithOsEnv, cli.WithName("nurtureflow"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	services := []service{}
	for name, definition := range project.Services {
		services = append(services, service{Name: name, Image: definition.Image, Build: definition.Build != nil})
	}
	if err := json.NewEncoder(os.Stdout).Encode(services); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
