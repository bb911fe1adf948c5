package org.sdij.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Config files: one JSON object each, with errors that name the file. */
final class JsonFiles {
    private JsonFiles() {}

    static JsonObject read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString(), null, "expected a JSON config file here");
        return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
    }

    static JsonObject readResource(String resource) throws IOException {
        try (InputStream in = JsonFiles.class.getResourceAsStream(resource)) {
            if (in == null) throw new NoSuchFileException(resource, null, "not in the build");
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        }
    }

    private static JsonObject parse(String text, String where) throws IOException {
        try {
            JsonElement json = JsonParser.parseString(text);
            if (json.isJsonObject()) return json.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(where + " is not valid JSON: " + e.getMessage(), e);
        }
        throw new IOException(where + " is not a JSON object.");
    }
}
