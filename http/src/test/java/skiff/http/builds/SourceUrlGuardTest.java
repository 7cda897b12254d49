package skiff.http.builds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SourceUrlGuardTest {
  private static void refused(String url, String why) {
    Optional<String> problem = SourceUrlGuard.problemWith(url);
    assertTrue(problem.isPresent() && problem.get().contains(why), url + ": " + problem);
  }

  @Test
  void thisMachineItsLinkPrivateNetworksAndSharedAddressesAreRefused() {
    refused("http://127.0.0.1:5000/apps", "loopback");
    refused("http://[::1]/", "loopback");
    refused("http://[::ffff:127.0.0.1]/", "loopback");
    refused("http://0.0.0.0/", "any address");
    refused("http://169.254.169.254/latest/meta-data/", "link-local");
    refused("http://10.1.2.3/app.tgz", "private network");
    refused("http://192.168.1.10/app.tgz", "private network");
    refused("http://172.20.0.5/app.tgz", "private network");
    refused("http://[fd00:ec2::254]/", "private network");
    refused("http://100.100.100.200/", "100.64.0.0/10");
    refused("file:///etc/passwd", "must be an http(s) URL");
    refused("ftp://example.com/x.tgz", "must be an http(s) URL");
  }

  @Test
  void aPublicAddressIsFetched() {
    assertEquals(Optional.empty(), SourceUrlGuard.problemWith("https://93.184.216.34/app.tar.gz"));
    assertEquals(Optional.empty(), SourceUrlGuard.problemWith("http://100.128.0.1/app.tar.gz"));
  }
}
