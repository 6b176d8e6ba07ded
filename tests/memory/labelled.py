"""A small labelled retrieval set built for the memory tests: 32 passages on 12 subjects (with
deliberate near neighbours: green roofs for cooling vs. for drainage, heat waves on land vs. at
sea, two passages per topic) and 16 queries phrased in other words than their passages, each
with the passage(s) a reader would judge relevant."""

PASSAGES = {
    "heat-mortality": (
        "During the 2003 European heatwave, death rates among people over seventy-five rose sharply in dense city "
        "districts where night-time temperatures stayed high. Older residents living alone on upper floors, without "
        "air conditioning, were at the greatest risk, and hospital admissions for dehydration and kidney failure "
        "peaked two days after the hottest nights."
    ),
    "heat-green-roofs": (
        "Vegetated roofs lowered roof surface temperatures by up to thirty degrees in summer measurements, and "
        "neighbourhoods with many of them recorded cooler air at street level in the afternoon. Evapotranspiration "
        "from plants and shading of the roof membrane explain most of the cooling effect on buildings."
    ),
    "nurse-ratios": (
        "Hospitals where each registered nurse cared for fewer patients had lower thirty-day mortality after common "
        "surgery. Every additional patient added to a nurse's workload was associated with a seven percent increase "
        "in the odds of a patient dying, according to a study of general surgical discharges across several states."
    ),
    "nurse-burnout": (
        "Nurses reporting emotional exhaustion were twice as likely to say they intended to leave their job within a "
        "year. Chronic understaffing, mandatory overtime and night shifts were the strongest predictors of burnout, "
        "and wards with high turnover spent heavily on agency staff to fill the gaps."
    ),
    "ai-detectors": (
        "Software that claims to detect machine-generated essays misclassified a large share of texts written by "
        "non-native English speakers as artificial. Simple paraphrasing defeated the tools, and universities that "
        "relied on their scores faced appeals from students wrongly accused of misconduct."
    ),
    "ai-oral-exams": (
        "Several departments replaced take-home coursework with short viva conversations in which students explain "
        "and defend their submitted work. Staff found that a ten-minute discussion revealed quickly whether a student "
        "understood the argument, and students reported the format as fairer than written tests."
    ),
    "microplastics-sources": (
        "Particles shed from car tyres on roads were the largest single source of tiny plastic fragments washed into "
        "rivers, followed by synthetic fibres released from laundry through wastewater treatment plants. Storm "
        "runoff carries tyre dust into streams after heavy rain."
    ),
    "microplastics-fish": (
        "Freshwater fish exposed to plastic fragments in laboratory tanks ate less, grew more slowly and showed "
        "inflammation of the gut lining. Larvae were the most sensitive life stage, and some particles crossed into "
        "the liver tissue of adult fish."
    ),
    "remote-productivity": (
        "A randomised trial at a travel agency call centre found that employees working from home completed more "
        "calls per shift than colleagues in the office, largely because they took fewer breaks and sick days. "
        "Promotion rates, however, fell for those working at home."
    ),
    "remote-isolation": (
        "Workers who spent most of the week at home reported feeling lonely and cut off from colleagues, and "
        "junior staff said they learned less without informal contact with experienced peers. Regular team meetings "
        "in person eased these feelings."
    ),
    "farm-antibiotics": (
        "Pig and poultry farms that added antimicrobial drugs to animal feed to promote growth had far higher levels "
        "of drug-resistant bacteria in manure, and resistant strains were found in farm workers and nearby soil."
    ),
    "antibiotic-policy": (
        "The European Union banned the use of antimicrobials as growth promoters in livestock in 2006. Denmark's "
        "earlier ban reduced total veterinary consumption substantially without lasting losses in pig production, "
        "which informed regulation in other countries."
    ),
    "sleep-school-start": (
        "When secondary schools moved their first lesson from eight to half past eight, teenagers slept around "
        "thirty minutes longer on school nights, attendance improved and grades in the first period rose modestly."
    ),
    "sleep-memory": (
        "Deep slow-wave sleep after studying helps the brain consolidate newly learned facts: students who slept "
        "after a vocabulary lesson recalled more words the next day than those who stayed awake for the same time."
    ),
    "coral-bleaching": (
        "Prolonged spells of unusually warm sea water cause corals to expel the algae living in their tissues, "
        "turning them white. Repeated marine heatwaves since 2016 bleached most of the northern Great Barrier Reef."
    ),
    "coral-restoration": (
        "Reef restoration projects grow coral fragments in underwater nurseries and transplant them onto damaged "
        "reefs. Survival is highest for heat-tolerant genotypes, but the area restored remains tiny compared with "
        "losses."
    ),
    "minimum-wage-jobs": (
        "Comparing fast-food restaurants on either side of a state border, economists found no fall in employment "
        "after one state raised its minimum wage, contradicting the textbook prediction of job losses."
    ),
    "minimum-wage-prices": (
        "Restaurants passed much of the cost of higher statutory pay floors on to customers, with menu prices rising "
        "by a few percent in areas where the increase affected many workers."
    ),
    "social-media-depression": (
        "Adolescents who spent more than three hours a day on social platforms reported more symptoms of depression "
        "and anxiety, though the association was small and its direction is debated."
    ),
    "cyberbullying": (
        "Being harassed or humiliated by peers online was strongly associated with self-harm among young people, "
        "and victims often did not tell parents or teachers about the abuse."
    ),
    "ev-lithium": (
        "Demand for lithium for car batteries is projected to rise many times over by 2040, and extraction from "
        "brine in South America consumes large volumes of water in arid regions."
    ),
    "ev-recycling": (
        "Recovering cobalt, nickel and lithium from spent electric vehicle batteries through hydrometallurgical "
        "processes could supply a substantial share of future demand and reduce mining impacts."
    ),
    "flood-suds": (
        "Sustainable drainage systems such as permeable paving, swales and rain gardens slow the flow of storm water "
        "into sewers, reducing surface flooding in towns during intense downpours; green roofs also store rainfall."
    ),
    "flood-insurance": (
        "Homes in flood-prone areas face rising insurance premiums, and a reinsurance scheme was created to keep "
        "cover affordable for households at the highest risk."
    ),
    # Near neighbours that no query asks for: same subjects, other aspects.
    "heat-cooling-centres": (
        "Cities opened air-conditioned public libraries as cooling centres during heat alerts, but few residents "
        "knew where they were and attendance stayed low among those most at risk."
    ),
    "nurse-training": (
        "Hospitals with a higher share of nurses holding a bachelor's degree reported fewer medication errors, and "
        "simulation training improved how new graduates handled emergencies on the ward."
    ),
    "ai-policy": (
        "Some universities banned generative AI tools outright in 2023, while others wrote guidance allowing their "
        "use for brainstorming if students declared it in a statement attached to the assignment."
    ),
    "ocean-plastic": (
        "Floating plastic accumulates in subtropical ocean gyres, where currents trap bottles, nets and fragments "
        "in vast patches far from any coast."
    ),
    "remote-commuting": (
        "Fewer commuting trips on days worked from home cut transport emissions, although part of the saving was "
        "offset by heating homes during the day."
    ),
    "sleep-caffeine": (
        "Energy drinks consumed in the evening delayed sleep onset among teenagers, who underestimated how much "
        "caffeine the cans contained."
    ),
    "coral-fishing": (
        "Overfishing of grazing fish lets seaweed overgrow reefs, and marine protected areas where fishing is "
        "banned kept larger populations of parrotfish."
    ),
    "wage-inequality": (
        "The gap between the pay of chief executives and median workers widened for decades, driven largely by "
        "stock options and bonuses."
    ),
}

# query -> passages a reader would judge relevant
QUERIES = {
    "Why do elderly city dwellers die in hot summers?": {"heat-mortality"},
    "How do plants on buildings cool neighbourhoods?": {"heat-green-roofs"},
    "Does the number of patients per nurse affect whether patients survive operations?": {"nurse-ratios"},
    "Why do nurses quit their jobs?": {"nurse-burnout"},
    "Are tools that spot ChatGPT-written coursework reliable?": {"ai-detectors"},
    "Assessing students by talking to them about their work": {"ai-oral-exams"},
    "Where does plastic pollution in rivers come from?": {"microplastics-sources"},
    "Harm to aquatic animals from swallowing plastic": {"microplastics-fish"},
    "Is working from home more productive?": {"remote-productivity"},
    "Loneliness of employees who work remotely": {"remote-isolation"},
    "Do growth promoters in animal feed create superbugs?": {"farm-antibiotics", "antibiotic-policy"},
    "Effects of later school start times on teenagers": {"sleep-school-start"},
    "What happens to reefs when the ocean warms?": {"coral-bleaching"},
    "Does raising the legal minimum pay cost jobs?": {"minimum-wage-jobs"},
    "Recycling old car batteries to recover metals": {"ev-recycling"},
    "How can towns stop streets flooding after heavy rain?": {"flood-suds"},
}
