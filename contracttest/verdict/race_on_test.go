//go:build race

package verdict

// raceEnabled says whether the tests run with the race detector, which allocates more.
const raceEnabled = true
