package org.sdij.sched;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A diffusers {@code scheduler_config.json}, as {@code from_config} reads it. A null field was not given
 * (absent, or listed in {@code _use_default_values}); {@link #forClass} fills the defaults of the scheduler
 * class being built, since they differ per class (e.g. DDIM spaces timesteps "leading", Euler "linspace").
 *
 * @param unsupported settings given with a value no sampler here reproduces (key to JSON text); a sampler
 *                    that reads such a key refuses it through {@link #requireSupported}
 */
public record SchedulerConfig(
        String className,
        Integer numTrainTimesteps,
        Double betaStart,
        Double betaEnd,
        String betaSchedule,
        float[] trainedBetas,
        String predictionType,
        Integer stepsOffset,
        Boolean setAlphaToOne,
        Boolean clipSample,
        Double clipSampleRange,
        String timestepSpacing,
        Boolean useKarrasSigmas,
        Boolean skipPrkSteps,
        Map<String, String> unsupported) {

    public static final String DDIM = "DDIMScheduler";
    public static final String PNDM = "PNDMScheduler";
    public static final String EULER = "EulerDiscreteScheduler";
    public static final String EULER_ANCESTRAL = "EulerAncestralDiscreteScheduler";
    public static final String LMS = "LMSDiscreteScheduler";
    public static final String DPM_MULTISTEP = "DPMSolverMultistepScheduler";
    public static final String DDPM = "DDPMScheduler";

    /** The only value of each of these keys that the samplers here reproduce (JSON text; "null" for None). */
    private static final Map<String, Set<String>> SUPPORTED_ONLY = Map.ofEntries(
            Map.entry("thresholding", Set.of("false")),
            Map.entry("rescale_betas_zero_snr", Set.of("false")),
            Map.entry("interpolation_type", Set.of("\"linear\"")),
            Map.entry("timestep_type", Set.of("\"discrete\"")),
            Map.entry("sigma_min", Set.of("null")),
            Map.entry("sigma_max", Set.of("null")),
            Map.entry("algorithm_type", Set.of("\"dpmsolver++\"")),
            Map.entry("solver_type", Set.of("\"midpoint\"")),
            Map.entry("solver_order", Set.of("2")),
            Map.entry("euler_at_final", Set.of("false")),
            Map.entry("use_lu_lambdas", Set.of("false")),
            Map.entry("final_sigmas_type", Set.of("\"zero\"")),
            Map.entry("lambda_min_clipped", Set.of("-Infinity")),
            Map.entry("variance_type", Set.of("null", "\"fixed_small\"")));

    /** Parses a scheduler config; keys listed in {@code _use_default_values} count as not given, as in diffusers. */
    public static SchedulerConfig fromJson(JsonObject json) {
        Set<String> defaulted = new HashSet<>();
        if (json.has("_use_default_values") && json.get("_use_default_values").isJsonArray()) {
            for (JsonElement e : json.getAsJsonArray("_use_default_values")) defaulted.add(e.getAsString());
        }
        Given g = new Given(json, defaulted);
        Map<String, String> unsupported = new LinkedHashMap<>();
        for (var entry : SUPPORTED_ONLY.entrySet()) {
            JsonElement value = g.raw(entry.getKey());
            if (value != null && !entry.getValue().contains(jsonText(value))) {
                unsupported.put(entry.getKey(), jsonText(value));
            }
        }
        return new SchedulerConfig(
                json.has("_class_name") ? json.get("_class_name").getAsString() : null,
                g.integer("num_train_timesteps"), g.number("beta_start"), g.number("beta_end"),
                g.string("beta_schedule"), g.floats("trained_betas"), g.string("prediction_type"),
                g.integer("steps_offset"), g.bool("set_alpha_to_one"), g.bool("clip_sample"),
                g.number("clip_sample_range"), g.string("timestep_spacing"), g.bool("use_karras_sigmas"),
                g.bool("skip_prk_steps"), Map.copyOf(unsupported));
    }

    /** This config as {@code cls.from_config(this)} sees it: every field set, missing ones from cls's defaults. */
    public SchedulerConfig forClass(String cls) {
        SchedulerConfig d = defaults(cls);
        return new SchedulerConfig(cls,
                or(numTrainTimesteps, d.numTrainTimesteps), or(betaStart, d.betaStart), or(betaEnd, d.betaEnd),
                or(betaSchedule, d.betaSchedule), trainedBetas, or(predictionType, d.predictionType),
                or(stepsOffset, d.stepsOffset), or(setAlphaToOne, d.setAlphaToOne), or(clipSample, d.clipSample),
                or(clipSampleRange, d.clipSampleRange), or(timestepSpacing, d.timestepSpacing),
                or(useKarrasSigmas, d.useKarrasSigmas), or(skipPrkSteps, d.skipPrkSteps), unsupported);
    }

    /** A copy with use_karras_sigmas set, as {@code from_config(config, use_karras_sigmas=...)} does. */
    public SchedulerConfig withKarrasSigmas(boolean karras) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                predictionType, stepsOffset, setAlphaToOne, clipSample, clipSampleRange, timestepSpacing, karras,
                skipPrkSteps, unsupported);
    }

    /** A copy with another prediction type (epsilon, v_prediction, sample). */
    public SchedulerConfig withPredictionType(String type) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                type, stepsOffset, setAlphaToOne, clipSample, clipSampleRange, timestepSpacing, useKarrasSigmas,
                skipPrkSteps, unsupported);
    }

    /**
     * The fix diffusers' StableDiffusionPipeline and Img2ImgPipeline apply to outdated configs when they are built
     * (InpaintPipeline: steps_offset only; Depth2Img and Upscale: none): steps_offset becomes 1 and clip_sample
     * false. The published SD configs already say so; older or hand-made ones may not.
     */
    public SchedulerConfig withSdPipelineFixes(boolean clipSampleToo) {
        return new SchedulerConfig(className, numTrainTimesteps, betaStart, betaEnd, betaSchedule, trainedBetas,
                predictionType, 1, setAlphaToOne, clipSampleToo ? Boolean.FALSE : clipSample, clipSampleRange,
                timestepSpacing, useKarrasSigmas, skipPrkSteps, unsupported);
    }

    /** Fails when one of these keys, which the calling sampler would honour, has a value it cannot reproduce. */
    void requireSupported(String sampler, String... keys) {
        for (String key : keys) {
            if (unsupported.containsKey(key)) {
                throw new IllegalArgumentException(sampler + " does not support " + key + " = "
                        + unsupported.get(key) + " (supported: " + String.join(" or ", SUPPORTED_ONLY.get(key)) + ")");
            }
        }
    }

    /** The __init__ defaults of each diffusers v0.27.2 scheduler class (fields a class lacks stay at a neutral value). */
    static SchedulerConfig defaults(String cls) {
        boolean alphaBased = cls.equals(DDIM) || cls.equals(PNDM) || cls.equals(DDPM);
        if (!alphaBased && !cls.equals(EULER) && !cls.equals(EULER_ANCESTRAL) && !cls.equals(LMS)
                && !cls.equals(DPM_MULTISTEP)) {
            throw new IllegalArgumentException("Unknown scheduler class " + cls);
        }
        return new SchedulerConfig(cls, 1000, 0.0001, 0.02, "linear", null, "epsilon", 0,
                cls.equals(DDIM), cls.equals(DDIM) || cls.equals(DDPM), 1.0,
                alphaBased ? "leading" : "linspace", false, false, Map.of());
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** A value as comparable JSON text; numbers normalised (Gson reads a bare -Infinity as a string). */
    private static String jsonText(JsonElement value) {
        if (value.isJsonPrimitive() && !value.getAsJsonPrimitive().isBoolean()) {
            double d;
            try {
                d = value.getAsDouble();
            } catch (NumberFormatException e) {
                return value.toString();
            }
            if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
            if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        }
        return value.toString();
    }

    /** Reads the keys that were really given. */
    private record Given(JsonObject json, Set<String> defaulted) {
        JsonElement raw(String key) {
            if (defaulted.contains(key) || !json.has(key)) return null;
            return json.get(key);
        }

        JsonElement value(String key) {
            JsonElement e = raw(key);
            return e == null || e.isJsonNull() ? null : e;
        }

        Integer integer(String key) {
            JsonElement e = value(key);
            return e == null ? null : e.getAsInt();
        }

        Double number(String key) {
            JsonElement e = value(key);
            return e == null ? null : e.getAsDouble();
        }

        String string(String key) {
            JsonElement e = value(key);
            return e == null ? null : e.getAsString();
        }

        Boolean bool(String key) {
            JsonElement e = value(key);
            return e == null ? null : e.getAsBoolean();
        }

        float[] floats(String key) {
            JsonElement e = value(key);
            if (e == null) return null;
            JsonArray a = e.getAsJsonArray();
            float[] out = new float[a.size()];
            for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).getAsDouble();
            return out;
        }
    }
}
