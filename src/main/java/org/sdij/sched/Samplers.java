package org.sdij.sched;

import java.util.List;

/** Builds samplers by name or from a model's own scheduler config, as diffusers' {@code Cls.from_config} does. */
public final class Samplers {
    private Samplers() {}

    /** The names {@link #create} knows, in the order a user would see them. */
    public static final List<String> NAMES =
            List.of("ddim", "pndm", "euler", "euler_a", "lms", "dpmpp_2m", "dpmpp_2m_karras", "ddpm");

    /**
     * A sampler named {@code name} (see {@link #NAMES}) configured from the model's scheduler config: the
     * schedule, prediction type and spacing carry over; settings the new class does not take fall back to
     * its defaults. dpmpp_2m and dpmpp_2m_karras fix Karras sigmas off and on; euler and lms keep the config's.
     */
    public static Sampler create(String name, SchedulerConfig config) {
        return switch (name) {
            case "ddim" -> new DdimSampler(config);
            case "pndm" -> new PndmSampler(config);
            case "euler" -> new EulerSampler(config);
            case "euler_a" -> new EulerAncestralSampler(config);
            case "lms" -> new LmsSampler(config);
            case "dpmpp_2m" -> new DpmSolverMultistepSampler(config, false);
            case "dpmpp_2m_karras" -> new DpmSolverMultistepSampler(config, true);
            case "ddpm" -> new DdpmSampler(config);
            default -> throw new IllegalArgumentException("Unknown sampler '" + name + "'; known: " + NAMES);
        };
    }

    /** The sampler the model ships, chosen by the config's {@code _class_name}. */
    public static Sampler forConfig(SchedulerConfig config) {
        return create(nameOf(config), config);
    }

    /** The {@link #create} name of the config's own class. */
    public static String nameOf(SchedulerConfig config) {
        String cls = config.className();
        if (cls == null) throw new IllegalArgumentException("Scheduler config has no _class_name");
        return switch (cls) {
            case SchedulerConfig.DDIM -> "ddim";
            case SchedulerConfig.PNDM -> "pndm";
            case SchedulerConfig.EULER -> "euler";
            case SchedulerConfig.EULER_ANCESTRAL -> "euler_a";
            case SchedulerConfig.LMS -> "lms";
            case SchedulerConfig.DPM_MULTISTEP ->
                    Boolean.TRUE.equals(config.useKarrasSigmas()) ? "dpmpp_2m_karras" : "dpmpp_2m";
            case SchedulerConfig.DDPM -> "ddpm";
            default -> throw new IllegalArgumentException("Unsupported scheduler class " + cls + "; supported: DDIM,"
                    + " PNDM, EulerDiscrete, EulerAncestralDiscrete, LMSDiscrete, DPMSolverMultistep, DDPM");
        };
    }

    /**
     * Where an image-to-image run starts, as diffusers' img2img get_timesteps: the last
     * {@code min(int(steps * strength), steps)} of the {@code steps} inference steps are run.
     *
     * @param beginIndex     index into {@code sampler.timesteps()} of the first step (t_start * order); the
     *                       init latents are noised with {@code sampler.addNoise(latents, noise, beginIndex)}
     * @param effectiveSteps the number of inference steps that remain (diffusers' returned step count)
     */
    public record Img2ImgStart(int beginIndex, int effectiveSteps) {}

    /** The start for {@code strength} in [0, 1] on a sampler whose {@link Sampler#setTimesteps}(steps) was called. */
    public static Img2ImgStart img2imgStart(Sampler sampler, int steps, double strength) {
        if (!(strength >= 0 && strength <= 1)) throw new IllegalArgumentException("strength must be in [0, 1]: " + strength);
        int initTimestep = Math.min((int) (steps * strength), steps);
        int tStart = Math.max(steps - initTimestep, 0);
        int begin = tStart * sampler.order();
        if (steps - tStart < 1 || begin >= sampler.timesteps().length) {
            throw new IllegalArgumentException("strength " + strength + " with " + steps
                    + " steps leaves no step to run; raise the strength or the steps");
        }
        return new Img2ImgStart(begin, steps - tStart);
    }
}
