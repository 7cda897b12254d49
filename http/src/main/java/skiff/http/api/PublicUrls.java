package skiff.http.api;

/**
 * How clients reach this platform from outside: shown in app JSON (git_url, web_url) and used to
 * build capability URLs. Given by the node from its settings.
 */
public record PublicUrls(String apiBase, String domain, int routerPort) {
  public String gitUrl(String app) {
    return apiBase + "/" + app + ".git";
  }

  public String webUrl(String app) {
    return "http://" + app + "." + domain + (routerPort == 80 ? "" : ":" + routerPort) + "/";
  }

  public String hostname(String app) {
    return app + "." + domain;
  }
}
