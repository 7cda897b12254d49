package skiff.http.router;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * How the router behaves: Heroku's timeouts (first byte, rolling idle window), the domain apps
 * answer at, the balancing ({@code random} only for comparison), and how to wake an idled app.
 */
public record RouterSettings(Duration firstByteTimeout, Duration idleTimeout, String domain, boolean random,
    Consumer<String> wake) {}
