package org.sdij.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sdij.io.HubCache;

/**
 * Where the Hub is and how to reach it, read from huggingface_hub's variables: {@code HF_ENDPOINT},
 * {@code HF_TOKEN} (else the token file {@code HF_TOKEN_PATH}, default {@code HF_HOME/token}),
 * {@code HF_HUB_CACHE}/{@code HF_HOME} for the cache, {@code HF_HUB_OFFLINE}. Tests build one from a map
 * instead of touching the process environment.
 *
 * @param endpoint the Hub root, no trailing slash
 * @param token the Bearer token, or null for anonymous requests
 * @param cacheRoot the cache folder that holds {@code models--org--name/}
 * @param offline no request at all: only what is cached is used
 */
public record HubSettings(URI endpoint, String token, Path cacheRoot, boolean offline) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "on", "yes", "true");

    public HubSettings {
        String e = endpoint.toString();
        while (e.endsWith("/")) e = e.substring(0, e.length() - 1);
        endpoint = URI.create(e);
        token = clean(token);
    }

    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), System.getProperty("user.home"));
    }

    public static HubSettings fromEnvironment(Map<String, String> env, String home) {
        String endpoint = isSet(env.get("HF_ENDPOINT")) ? env.get("HF_ENDPOINT").trim() : DEFAULT_ENDPOINT;
        boolean offline = isTrue(env.get("HF_HUB_OFFLINE")) || isTrue(env.get("TRANSFORMERS_OFFLINE"));
        return new HubSettings(URI.create(endpoint), token(env, home), HubCache.defaultRoot(env, home), offline);
    }

    public HubSettings withToken(String newToken) {
        return new HubSettings(endpoint, newToken, cacheRoot, offline);
    }

    public HubSettings withCacheRoot(Path root) {
        return new HubSettings(endpoint, token, root, offline);
    }

    /** HF_TOKEN (or the legacy HUGGING_FACE_HUB_TOKEN), else the token file that `hf auth login` writes. */
    private static String token(Map<String, String> env, String home) {
        for (String key : new String[] {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
            if (clean(env.get(key)) != null) return env.get(key);
        }
        Path file = tokenFile(env, home);
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null; // an unreadable token file is as good as none; the Hub then says what access is missing
        }
    }

    static Path tokenFile(Map<String, String> env, String home) {
        if (isSet(env.get("HF_TOKEN_PATH"))) return Paths.get(env.get("HF_TOKEN_PATH"));
        return hfHome(env, home).resolve("token");
    }

    static Path hfHome(Map<String, String> env, String home) {
        if (isSet(env.get("HF_HOME"))) return Paths.get(env.get("HF_HOME"));
        if (isSet(env.get("XDG_CACHE_HOME"))) return Paths.get(env.get("XDG_CACHE_HOME"), "huggingface");
        return Paths.get(home, ".cache", "huggingface");
    }

    /** The token without line breaks and surrounding blanks; "" is no token. */
    private static String clean(String token) {
        if (token == null) return null;
        String t = token.replace("\r", "").replace("\n", "").strip();
        return t.isEmpty() ? null : t;
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE.contains(value.trim().toLowerCase(Locale.ROOT));
    }

    /** Never the token itself: settings end up in logs and error messages. */
    @Override
    public String toString() {
        return "HubSettings[endpoint=" + endpoint + ", token=" + (token == null ? "none" : "set") + ", cacheRoot="
                + cacheRoot + ", offline=" + offline + "]";
    }
}
