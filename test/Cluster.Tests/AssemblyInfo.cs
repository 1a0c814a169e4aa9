// The cluster tests run real silo processes, kill them and restart the shared PostgreSQL: two at
// once would fight over the CPU and over that database, so they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
