package rt

import "os"

// processEnv returns the environment variable key as the process has it
// now: on Windows, os.Getenv asks the system each time.
func processEnv(key string) string { return os.Getenv(key) }
