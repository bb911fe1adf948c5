package org.sdij.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sdij.io.ModelFiles;
import org.sdij.io.ModelKind;

/**
 * The CLIP byte-pair tokenizer of Stable Diffusion, run by Hugging Face's Rust tokenizers through DJL.
 * A prompt becomes {@value #CONTEXT_LENGTH} ids: start-of-text, the first {@value #MAX_PROMPT_TOKENS}
 * prompt tokens, end-of-text, then padding. SD 1.x pads with end-of-text (49407), SD 2.x with "!" (id 0).
 *
 * <p>Like {@code tokenizer.json}, and unlike the Python CLIP tokenizers, no ftfy repair and no HTML
 * unescaping is done: text is NFC-normalised, whitespace-collapsed and lower-cased. Only prompts with
 * mojibake, typographic quotes, ligatures or HTML entities tokenize differently.
 */
public final class ClipTokenizer implements AutoCloseable {

    public static final int CONTEXT_LENGTH = 77;
    public static final int MAX_PROMPT_TOKENS = CONTEXT_LENGTH - 2;
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    /** SD 1.x's pad token (its tokenizer pads with end-of-text). */
    public static final String SD1_PAD_TOKEN = END_OF_TEXT;
    /** SD 2.x's pad token (OpenCLIP pads with id 0, which is "!"). */
    public static final String SD2_PAD_TOKEN = "!";

    /** The comma token of the CLIP vocabulary (a word-final ","). */
    private static final String COMMA = ",</w>";

    /** The CLIP vocabulary shipped in the jar (MIT licence of OpenAI CLIP, see CLIP_LICENSE.txt beside it). */
    private static final String BUNDLED = "clip_tokenizer.json";

    /** DJL must neither add special tokens, truncate nor pad: that is done here, the CLIP way. */
    private static final Map<String, String> RAW = Map.of(
            "addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final long startId;
    private final long endId;
    private final long padId;
    /** The id of "," as a word of its own, where long prompts may be split; -1 if the vocabulary lacks it. */
    private final long commaId;

    private ClipTokenizer(JsonObject spec, String padToken, String origin) throws IOException {
        JsonObject vocab = vocabulary(spec, origin);
        this.startId = id(vocab, START_OF_TEXT, origin);
        this.endId = id(vocab, END_OF_TEXT, origin);
        this.padId = id(vocab, padToken, origin);
        this.commaId = vocab.has(COMMA) ? vocab.get(COMMA).getAsLong() : -1;
        byte[] json = spec.toString().getBytes(StandardCharsets.UTF_8);
        try (InputStream in = new ByteArrayInputStream(json)) {
            this.tokenizer = HuggingFaceTokenizer.newInstance(in, RAW);
        } catch (RuntimeException e) {
            throw new IOException("The tokenizer in " + origin + " could not be loaded: " + e.getMessage(), e);
        }
    }

    /** The CLIP vocabulary shipped in the jar, for single-file models that carry no tokenizer. */
    public static ClipTokenizer bundled(String padToken) throws IOException {
        return new ClipTokenizer(bundledSpec(), padToken, "the bundled CLIP vocabulary");
    }

    /**
     * The model's own tokenizer folder where it has one; otherwise (single files) the bundled vocabulary
     * with the padding of the model's family.
     */
    public static ClipTokenizer forModel(ModelFiles model) throws IOException {
        if (model.tokenizerDir() != null) return fromFolder(model.tokenizerDir());
        return bundled(model.kind().family() == ModelKind.Family.SD2 ? SD2_PAD_TOKEN : SD1_PAD_TOKEN);
    }

    /**
     * A diffusers {@code tokenizer/} folder: {@code tokenizer.json} where present, else {@code vocab.json}
     * and {@code merges.txt} put into the bundled tokenizer's pipeline. The pad token comes from
     * {@code special_tokens_map.json} or {@code tokenizer_config.json} (SD 1.x when neither names one).
     */
    public static ClipTokenizer fromFolder(Path folder) throws IOException {
        String origin = folder.toString();
        Path tokenizerJson = folder.resolve("tokenizer.json");
        JsonObject spec;
        if (Files.isRegularFile(tokenizerJson)) {
            spec = parseObject(Files.readString(tokenizerJson), tokenizerJson.toString());
        } else {
            Path vocab = folder.resolve("vocab.json");
            Path merges = folder.resolve("merges.txt");
            if (!Files.isRegularFile(vocab) || !Files.isRegularFile(merges)) {
                throw new IOException("The tokenizer folder " + folder
                        + " holds neither tokenizer.json nor vocab.json with merges.txt.");
            }
            spec = bundledSpec();
            JsonObject model = spec.getAsJsonObject("model");
            model.add("vocab", parseObject(Files.readString(vocab), vocab.toString()));
            model.add("merges", mergePairs(Files.readAllLines(merges, StandardCharsets.UTF_8), merges.toString()));
            renumberSpecialTokens(spec, model.getAsJsonObject("vocab"), origin);
        }
        return new ClipTokenizer(spec, padToken(folder), origin);
    }

    /** The 77 ids of one prompt. */
    public long[] encode(String prompt) {
        long[] tokens = tokens(prompt);
        long[] ids = new long[CONTEXT_LENGTH];
        Arrays.fill(ids, padId);
        ids[0] = startId;
        int kept = Math.min(tokens.length, MAX_PROMPT_TOKENS);
        System.arraycopy(tokens, 0, ids, 1, kept);
        ids[kept + 1] = endId;
        return ids;
    }

    /** The 77 ids of each prompt, one row per prompt. */
    public long[][] encode(List<String> prompts) {
        long[][] rows = new long[prompts.size()][];
        for (int i = 0; i < rows.length; i++) rows[i] = encode(prompts.get(i));
        return rows;
    }

    /** The prompt's tokens without start, end or padding, before truncation. */
    public long[] tokens(String prompt) {
        return tokenizer.encode(prompt, false, false).getIds();
    }

    /** Whether the prompt has more than {@value #MAX_PROMPT_TOKENS} tokens, so its end is dropped. */
    public boolean truncates(String prompt) {
        return tokens(prompt).length > MAX_PROMPT_TOKENS;
    }

    /** The text of these tokens, words apart (CLIP marks a word's end with "&lt;/w&gt;"), lower case as tokenized. */
    public String decode(long[] tokens) {
        return tokenizer.decode(tokens, true).replace("</w>", " ").strip();
    }

    public long commaId() {
        return commaId;
    }

    public long startId() {
        return startId;
    }

    public long endId() {
        return endId;
    }

    public long padId() {
        return padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static JsonObject bundledSpec() throws IOException {
        try (InputStream in = ClipTokenizer.class.getResourceAsStream(BUNDLED)) {
            if (in == null) throw new IOException("The jar lacks its CLIP vocabulary " + BUNDLED + ".");
            return parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8), BUNDLED);
        }
    }

    /** merges.txt: an optional "#version" line, then one "left right" pair per line. */
    private static JsonArray mergePairs(List<String> lines, String origin) throws IOException {
        JsonArray pairs = new JsonArray();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new IOException(origin + " line " + (i + 1) + " is not a merge pair: '" + line + "'.");
            }
            JsonArray pair = new JsonArray();
            pair.add(line.substring(0, space));
            pair.add(line.substring(space + 1));
            pairs.add(pair);
        }
        return pairs;
    }

    /** Points the template's added tokens and post-processor at this vocabulary's ids for them. */
    private static void renumberSpecialTokens(JsonObject spec, JsonObject vocab, String origin) throws IOException {
        for (JsonElement added : spec.getAsJsonArray("added_tokens")) {
            JsonObject token = added.getAsJsonObject();
            token.addProperty("id", id(vocab, token.get("content").getAsString(), origin));
        }
        JsonObject post = spec.getAsJsonObject("post_processor");
        for (String role : new String[] {"cls", "sep"}) {
            JsonArray entry = post.getAsJsonArray(role);
            entry.set(1, new JsonPrimitive(id(vocab, entry.get(0).getAsString(), origin)));
        }
    }

    private static String padToken(Path folder) throws IOException {
        for (String name : new String[] {"special_tokens_map.json", "tokenizer_config.json"}) {
            Path file = folder.resolve(name);
            if (!Files.isRegularFile(file)) continue;
            JsonElement pad = parseObject(Files.readString(file), file.toString()).get("pad_token");
            if (pad == null || pad.isJsonNull()) continue;
            // either a plain string or an AddedToken object {"content": ..., ...}
            return pad.isJsonObject() ? pad.getAsJsonObject().get("content").getAsString() : pad.getAsString();
        }
        return SD1_PAD_TOKEN;
    }

    private static JsonObject vocabulary(JsonObject spec, String origin) throws IOException {
        JsonElement model = spec.get("model");
        JsonElement vocab = model != null && model.isJsonObject() ? model.getAsJsonObject().get("vocab") : null;
        if (vocab == null || !vocab.isJsonObject()) {
            throw new IOException("The tokenizer in " + origin + " has no BPE vocabulary (model.vocab).");
        }
        return vocab.getAsJsonObject();
    }

    private static long id(JsonObject vocab, String token, String origin) throws IOException {
        JsonElement id = vocab.get(token);
        if (id == null) throw new IOException("The vocabulary of " + origin + " has no token '" + token + "'.");
        return id.getAsLong();
    }

    private static JsonObject parseObject(String json, String origin) throws IOException {
        try {
            JsonElement parsed = JsonParser.parseString(json);
            if (parsed.isJsonObject()) return parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(origin + " is not well-formed JSON: " + e.getMessage(), e);
        }
        throw new IOException(origin + " is not a JSON object.");
    }
}
