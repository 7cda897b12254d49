package skiff.bench;

import skiff.test.FailoverBench;

/**
 * Failover: three node processes on one PostgreSQL database, web=6 worker=3 spread over them; each
 * round kills ({@code -9}) a node's JVM and its dynos and times until every dyno is up on the others
 * (by the journal's {@code dyno.up}, and as the API showed it), then starts that node again.
 */
final class FailoverPart implements BenchSuite.Runner {
  @Override
  public void run(BenchSuite suite) throws Exception {
    Table table = suite.table("failover", "Node loss to all its dynos up elsewhere (3 nodes, web=6 worker=3)", "s",
        false, "measured by", false);
    // the first loss of a fresh cluster is the warm-up
    FailoverBench.Rounds rounds = FailoverBench.measure(suite.rounds + 1, 0);
    table.put("the journal's last dyno.up", "Skiff", new Figure(rounds.journaled().subList(1, rounds.journaled().size())));
    table.put("the API, looked at every 100 ms", "Skiff", new Figure(rounds.seen().subList(1, rounds.seen().size())));
    table.note("Pekko's Split Brain Resolver downs the lost node after stable-after (7 s) once it is unreachable;"
        + " its dynos then start on the others.");
  }
}
