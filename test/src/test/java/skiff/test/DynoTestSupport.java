package skiff.test;

/** What the benchmarks borrow from the dyno tests. */
public final class DynoTestSupport {
  private DynoTestSupport() {}

  public static int port(Api api, String app, String dyno) {
    return DynoTest.dyno(api, app, dyno).path("port").asInt();
  }
}
