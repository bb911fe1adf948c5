package org.sdij.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sdij.bench.Benchmark.Span;
import org.sdij.bench.Benchmark.Stopwatch;
import org.sdij.bench.MachineProbe.FmaPeak;
import org.sdij.io.Presets;
import org.sdij.nn.Ops;
import org.sdij.nn.Weights;
import org.sdij.nn.vae.AutoencoderKL;
import org.sdij.nn.vae.VaeConfig;

/**
 * {@code bin/sd-ij bench --decode}: the VAE decode of one image (the real decoder of a preset, random weights)
 * the default way, its large convolutions and group norms in pieces ({@link Ops#PIECE_ELEMENTS}), against the
 * way it ran before that was the default, every layer whole. The two alternate, round after round, in one
 * process, so that other work on the machine weighs on both alike; each decode gives wall, user and system
 * seconds, and the largest difference between the two images. The machine's FMA peak (measured first) puts the
 * decode's arithmetic rate in proportion: {@code fma_peak_fraction} is the rate over wall time against the all-core
 * peak, {@code cpu_fma_fraction} the rate per CPU-second (user + system) against the one-core peak, which other
 * work on the machine disturbs less.
 */
final class DecodeBenchmark {
    private DecodeBenchmark() {}

    record Decode(String way, int round, Span span) {
        String line(double gflop, FmaPeak peak) {
            double rate = gflop / span.wallSeconds();
            return String.format(Locale.ROOT,
                    "bench decode way=%s round=%d wall_s=%.2f user_s=%.2f sys_s=%.2f gflops=%.1f fma_peak_fraction=%.3f "
                            + "cpu_fma_fraction=%.3f",
                    way, round, span.wallSeconds(), span.cpu().userSeconds(), span.cpu().systemSeconds(), rate,
                    peak.fraction(rate), gflop / cpu(span) / peak.perCoreGflops());
        }
    }

    static void run(String model, String preset, Integer size, int rounds, Device device, DataType dtype,
                    DataType storage) throws IOException {
        FmaPeak peak = MachineProbe.fmaPeak(1.0);
        Engine.getEngine("PyTorch");
        VaeConfig config = VaeConfig.fromJson(Presets.config(preset, "vae"));
        int side = size != null ? size : 512;
        int latentSide = side / config.downscaleFactor();
        long pieces = Ops.pieceElements();
        List<Decode> decodes = new ArrayList<>();
        double gflop = 0;
        double maxDifference = 0;
        double loadBefore = MachineProbe.loadAverage();
        try (NDManager weights = NDManager.newBaseManager(device)) {
            double matmul = MachineProbe.matmulGflops(weights);
            System.out.println(String.format(Locale.ROOT,
                    "bench machine fma_lanes=%d fma_gflops_per_core=%.1f fma_gflops_all_cores=%.1f threads=%d "
                            + "matmul_gflops=%.1f matmul_fma_peak_fraction=%.3f",
                    peak.lanes(), peak.perCoreGflops(), peak.allCoresGflops(), peak.threads(), matmul,
                    peak.fraction(matmul)));
            AutoencoderKL vae = new AutoencoderKL(config, Weights.random(weights, dtype, storage));
            NDArray latent = weights.randomNormal(new Shape(1, config.latentChannels(), latentSide, latentSide), dtype);
            try {
                for (int round = 1; round <= rounds; round++) {
                    float[] whole = null;
                    float[] inPieces = null;
                    for (int i = 0; i < 2; i++) {
                        boolean piecesNow = (round + i) % 2 == 0; // alternate which goes first
                        Ops.setPieceElements(piecesNow ? pieces : 0);
                        long f0 = Ops.FLOPS.sum();
                        Stopwatch watch = new Stopwatch();
                        float[] image;
                        try (NDArray out = vae.decode(latent); NDArray wide = out.toType(DataType.FLOAT32, false)) {
                            image = wide.toFloatArray();
                        }
                        Decode d = new Decode(piecesNow ? "pieces" : "whole", round, watch.stop());
                        gflop = (Ops.FLOPS.sum() - f0) / 1e9;
                        System.out.println(d.line(gflop, peak));
                        decodes.add(d);
                        if (piecesNow) inPieces = image; else whole = image;
                    }
                    for (int j = 0; j < whole.length; j++) {
                        maxDifference = Math.max(maxDifference, Math.abs(whole[j] - inPieces[j]));
                    }
                }
            } finally {
                Ops.setPieceElements(pieces);
            }
        }
        Span whole = mean(decodes, "whole");
        Span inPieces = mean(decodes, "pieces");
        System.out.println(String.format(Locale.ROOT,
                "bench decode model=%s size=%d rounds=%d vae_gflop=%.1f whole_s=%.2f whole_user_s=%.2f whole_sys_s=%.2f "
                        + "pieces_s=%.2f pieces_user_s=%.2f pieces_sys_s=%.2f wall_ratio=%.3f cpu_ratio=%.3f "
                        + "pieces_fma_peak_fraction=%.3f max_abs_difference=%.2e load_avg=%.2f/%.2f",
                model, side, rounds, gflop, whole.wallSeconds(), whole.cpu().userSeconds(), whole.cpu().systemSeconds(),
                inPieces.wallSeconds(), inPieces.cpu().userSeconds(), inPieces.cpu().systemSeconds(),
                inPieces.wallSeconds() / whole.wallSeconds(), cpu(inPieces) / cpu(whole),
                peak.fraction(gflop / inPieces.wallSeconds()), maxDifference, loadBefore, MachineProbe.loadAverage()));
    }

    private static double cpu(Span s) {
        return s.cpu().userSeconds() + s.cpu().systemSeconds();
    }

    private static Span mean(List<Decode> decodes, String way) {
        Span sum = Span.ZERO;
        int n = 0;
        for (Decode d : decodes) {
            if (d.way().equals(way)) {
                sum = sum.plus(d.span());
                n++;
            }
        }
        return sum.per(Math.max(1, n));
    }
}
