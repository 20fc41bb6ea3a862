package scoring

// ScoreWorkers is Score on at most workers goroutines, for the external
// tests that need the batch package to build their input.
var ScoreWorkers = score
