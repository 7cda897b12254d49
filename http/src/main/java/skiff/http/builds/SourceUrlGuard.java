package skiff.http.builds;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Which source URLs Skiff may fetch: http(s) on the public internet. A URL naming this machine
 * (loopback, any of its own addresses), its link (169.254.0.0/16, where cloud metadata lives), a
 * private network (10/8, 172.16/12, 192.168/16, fc00::/7: the platform's other nodes and their
 * dynos) or 100.64.0.0/10 would let anyone who can start a build read services that are not
 * theirs; it is refused before the build starts, and again at every redirect. (The name is
 * resolved again when connecting; a DNS answer that changes in between is not caught here.)
 */
final class SourceUrlGuard {
  private SourceUrlGuard() {}

  static Optional<String> problemWith(String url) {
    URI uri;
    try {
      uri = URI.create(url == null ? "" : url.trim());
    } catch (IllegalArgumentException e) {
      return Optional.of("source_blob.url '" + url + "' is not a URL.");
    }
    if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
      return Optional.of("source_blob.url must be an http(s) URL of a .tar.gz, got '" + url + "'.");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(uri.getHost());
    } catch (UnknownHostException e) {
      return Optional.of("source_blob.url names the host " + uri.getHost() + ", which does not resolve.");
    }
    for (InetAddress address : addresses) {
      String kind = kind(address);
      if (kind != null) {
        return Optional.of("source_blob.url " + uri.getScheme() + "://" + uri.getAuthority() + " points at "
            + address.getHostAddress() + " (" + kind + "); Skiff fetches sources only from other machines. Upload"
            + " the tarball to the put_url of POST /sources and build from its get_url instead.");
      }
    }
    return Optional.empty();
  }

  /** fc00::/7, IPv6's private range (AWS answers metadata at fd00:ec2::254). */
  private static boolean uniqueLocal(InetAddress address) {
    return address instanceof java.net.Inet6Address && (address.getAddress()[0] & 0xfe) == 0xfc;
  }

  private static boolean carrierGrade(InetAddress address) {
    byte[] a = address.getAddress();
    return a.length == 4 && (a[0] & 0xff) == 100 && (a[1] & 0xc0) == 64;
  }

  private static String kind(InetAddress address) {
    if (address.isLoopbackAddress()) {
      return "this machine's loopback";
    }
    if (address.isAnyLocalAddress()) {
      return "any address of this machine";
    }
    if (address.isLinkLocalAddress()) {
      return "a link-local address, where cloud metadata services answer";
    }
    if (address.isMulticastAddress()) {
      return "a multicast address";
    }
    if (address.isSiteLocalAddress() || uniqueLocal(address)) {
      return "a private network address, where this platform's other nodes and dynos live";
    }
    if (carrierGrade(address)) {
      return "a shared address (100.64.0.0/10), where some clouds answer metadata requests";
    }
    try {
      if (NetworkInterface.getByInetAddress(address) != null) {
        return "an address of this machine";
      }
    } catch (SocketException e) {
      return "an address this machine cannot check";
    }
    return null;
  }
}
