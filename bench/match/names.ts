/**
 * Name pools for the synthetic UK population, by origin. Women's forenames (subjects are
 * pregnant women) and surnames. Within a pool names are drawn with a flattened Zipf weighting,
 * so early names are commoner, roughly as in real populations.
 */

export interface Origin {
  name: string;
  /** Share of the population. */
  weight: number;
  forenames: string[];
  surnames: string[];
}

const ENGLISH_FORENAMES = [
  'olivia', 'amelia', 'emily', 'jessica', 'sophie', 'charlotte', 'chloe', 'lucy', 'hannah', 'sarah', 'laura', 'emma',
  'rebecca', 'katie', 'amy', 'lauren', 'rachel', 'gemma', 'samantha', 'jennifer', 'nicola', 'victoria', 'stephanie',
  'natalie', 'hayley', 'kelly', 'danielle', 'jade', 'leanne', 'kirsty', 'zoe', 'abigail', 'georgia', 'megan', 'holly',
  'bethany', 'ellie', 'grace', 'poppy', 'isabelle', 'elizabeth', 'katherine', 'catherine', 'margaret', 'susan',
  'amanda', 'joanne', 'michelle', 'claire', 'louise', 'helen', 'alice', 'harriet', 'eleanor', 'jasmine', 'paige',
  'courtney', 'shannon', 'tegan', 'kayleigh', 'stacey', 'tracy', 'donna', 'lisa', 'kerry', 'melissa', 'abby', 'beth',
  'kate', 'jenny', 'becky', 'vicky', 'millie', 'daisy', 'freya', 'imogen', 'phoebe', 'florence', 'evie', 'rosie',
  'lily', 'matilda', 'scarlett', 'summer', 'tilly', 'lydia', 'naomi', 'esther', 'ruth', 'abbie', 'kimberley',
  'charlene', 'tanya', 'jodie', 'rosemary', 'philippa', 'penelope', 'harriet', 'annabel', 'madeleine', 'isla',
];
const SCOTTISH_FORENAMES = [
  'eilidh', 'isla', 'kirsty', 'fiona', 'morag', 'catriona', 'ailsa', 'shona', 'mhairi', 'iona', 'rhona', 'lorna',
  'heather', 'elspeth', 'isobel', 'kirstin', 'jean', 'agnes', 'morven', 'skye', 'ishbel', 'marion', 'sheena', 'muriel',
];
const IRISH_FORENAMES = [
  'siobhan', 'niamh', 'aoife', 'ciara', 'roisin', 'saoirse', 'orla', 'sinead', 'aisling', 'caoimhe', 'grainne',
  'maeve', 'deirdre', 'eimear', 'clodagh', 'fionnuala', 'aine', 'mairead', 'bridget', 'nuala', 'sorcha', 'una',
];
const WELSH_FORENAMES = [
  'cerys', 'sian', 'bethan', 'angharad', 'carys', 'ffion', 'lowri', 'megan', 'rhiannon', 'seren', 'nia', 'eleri',
  'catrin', 'gwen', 'mared', 'elin', 'manon', 'non', 'heledd', 'alaw', 'awen', 'tegan', 'llinos', 'bronwen',
];
const SOUTH_ASIAN_FORENAMES = [
  'priya', 'aisha', 'fatima', 'ayesha', 'zara', 'sana', 'nadia', 'amina', 'saima', 'shabana', 'rukhsana', 'nasreen',
  'anjali', 'pooja', 'deepa', 'sunita', 'kiran', 'harpreet', 'gurpreet', 'manpreet', 'jaspreet', 'simran', 'neha',
  'sapna', 'rani', 'meera', 'lakshmi', 'kavita', 'farah', 'hina', 'sadia', 'rabia', 'sumaira', 'tahmina', 'nusrat',
  'shirin', 'yasmin', 'maryam', 'zainab', 'hafsa', 'samina', 'asma', 'parveen', 'rubina', 'shazia', 'nazia',
];
const POLISH_FORENAMES = [
  'agnieszka', 'katarzyna', 'malgorzata', 'anna', 'joanna', 'magdalena', 'monika', 'ewa', 'aleksandra', 'karolina',
  'justyna', 'natalia', 'paulina', 'marta', 'dorota', 'beata', 'izabela', 'weronika', 'zofia', 'kinga', 'sylwia',
  'agata', 'patrycja', 'dominika', 'wioletta', 'edyta', 'renata', 'iwona',
];
const ROMANIAN_FORENAMES = [
  'ioana', 'andreea', 'elena', 'maria', 'alexandra', 'mihaela', 'cristina', 'gabriela', 'daniela', 'adriana',
  'roxana', 'simona', 'oana', 'raluca', 'bianca', 'larisa', 'florentina', 'georgiana', 'alina', 'irina', 'camelia',
  'loredana', 'madalina', 'denisa',
];
const NIGERIAN_FORENAMES = [
  'chioma', 'ngozi', 'adaeze', 'oluwaseun', 'folasade', 'funmilayo', 'temitope', 'abimbola', 'bukola', 'yetunde',
  'chinwe', 'ifeoma', 'nneka', 'amaka', 'blessing', 'precious', 'favour', 'peace', 'adebola', 'titilayo', 'omolara',
  'damilola', 'kehinde', 'taiwo', 'esther', 'grace', 'oluwatoyin', 'chiamaka', 'uchenna', 'obiageli',
];
const SOMALI_FORENAMES = [
  'hodan', 'amina', 'fadumo', 'hawa', 'halima', 'asha', 'sahra', 'ubah', 'nimco', 'ifrah', 'ladan', 'hibo',
  'khadra', 'safiya', 'ayan', 'sagal', 'deqa', 'hamdi', 'shukri', 'warsan', 'idil', 'muna', 'fartun', 'kaltun',
];
const CHINESE_FORENAMES = [
  'mei', 'ling', 'xiaoling', 'yan', 'hui', 'jing', 'li', 'xin', 'ying', 'fang', 'min', 'lan', 'wei', 'hong', 'yu',
  'qing', 'jia', 'xue', 'na', 'ting', 'yun', 'lei', 'shu', 'chun',
];
const CARIBBEAN_FORENAMES = [
  'shanice', 'tanisha', 'keisha', 'latoya', 'monique', 'chantelle', 'aaliyah', 'jamila', 'shantelle', 'kerry-ann',
  'sherene', 'marcia', 'paulette', 'yvonne', 'beverley', 'claudette', 'simone', 'sharmaine', 'nadine', 'camille',
  'tamika', 'shereen', 'donna-marie', 'annmarie',
];

const ENGLISH_SURNAMES_REAL = [
  'smith', 'jones', 'williams', 'taylor', 'brown', 'davies', 'evans', 'wilson', 'thomas', 'johnson', 'roberts',
  'robinson', 'thompson', 'wright', 'walker', 'white', 'edwards', 'hughes', 'green', 'hall', 'lewis', 'harris',
  'clarke', 'patel', 'jackson', 'wood', 'turner', 'martin', 'cooper', 'hill', 'ward', 'morris', 'moore', 'clark',
  'lee', 'king', 'baker', 'harrison', 'morgan', 'allen', 'james', 'scott', 'phillips', 'watson', 'davis', 'parker',
  'price', 'bennett', 'young', 'griffiths', 'mitchell', 'kelly', 'cook', 'carter', 'richardson', 'bailey', 'collins',
  'bell', 'shaw', 'murphy', 'miller', 'cox', 'richards', 'khan', 'marshall', 'anderson', 'simpson', 'ellis',
  'adams', 'singh', 'begum', 'wilkinson', 'foster', 'chapman', 'powell', 'webb', 'rogers', 'gray', 'mason', 'ali',
  'hunt', 'hussain', 'campbell', 'matthews', 'owen', 'palmer', 'holmes', 'mills', 'barnes', 'knight', 'lloyd',
  'butler', 'russell', 'barker', 'fisher', 'stevens', 'jenkins', 'murray', 'dixon', 'harvey', 'graham', 'pearson',
  'ahmed', 'fletcher', 'walsh', 'kaur', 'gibson', 'howard', 'andrews', 'stewart', 'elliott', 'reynolds', 'saunders',
  'payne', 'fox', 'ford', 'pearce', 'day', 'brooks', 'west', 'lawrence', 'cole', 'atkinson', 'bradley', 'spencer',
  'gill', 'dawson', 'ball', 'burton', "o'brien", 'watts', 'rose', 'booth', 'perry', 'ryan', 'grant', 'wells',
  'armstrong', 'francis', 'rees', 'hayes', 'hart', 'hudson', 'newman', 'barrett', 'webster', 'hunter', 'gregory',
  'carr', 'lowe', 'page', 'marsh', 'riley', 'dunn', 'woods', 'parsons', 'berry', 'stone', 'reid', 'holland',
  'hawkins', 'harding', 'porter', 'robertson', 'newton', 'oliver', 'reed', 'kennedy', 'williamson', 'bird',
  'gardner', 'shah', 'dean', 'lane', 'cooke', 'bates', 'henderson', 'parry', 'burgess', 'bishop', 'walton',
  'burns', 'nicholson', 'shepherd', 'ross', 'cross', 'long', 'freeman', 'warren', 'nicholls', 'hamilton', 'byrne',
  'sutton', 'mcdonald', 'yates', 'hodgson', 'robson', 'curtis', 'hopkins', "o'connor", 'harper', 'coleman',
  'watkins', 'moss', 'mccarthy', 'chambers', 'griffin', 'sharp', 'hardy', 'wheeler', 'potter', 'osborne', 'johnston',
  'gordon', 'doyle', 'wallace', 'george', 'jordan', 'hutchinson', 'rowe', 'burke', 'may', 'pritchard', 'gilbert',
  'willis', 'higgins', 'read', 'miles', 'stevenson', 'stephenson', 'hammond', 'arnold', 'buckley', 'walters',
  'hewitt', 'barber', 'nelson', 'slater', 'austin', 'sullivan', 'whitehead', 'mann', 'frost', 'lambert', 'stephens',
  'blake', 'akhtar', 'lynch', 'goodwin', 'barton', 'woodward', 'thomson', 'cunningham', 'quinn', 'barnett', 'baxter',
  'bibi', 'clayton', 'nash', 'greenwood', 'jennings', 'holt', 'kemp', 'poole', 'gallagher', 'bond', 'stokes',
  'tucker', 'davidson', 'fowler', 'heath', 'norman', 'middleton', 'lawson', 'banks', 'french', 'stanley', 'jarvis',
  'gibbs', 'ferguson', 'hayward', 'carroll', 'douglas', 'dickinson', 'todd', 'barlow', 'peters', 'lucas', 'knowles',
  'hartley', 'miah', 'simmons', 'morton', 'alexander', 'field', 'morrison', 'norris', 'townsend', 'preston',
  'smith-jones', 'hampton-lewis', 'ashworth-clarke',
];
const ENGLISH_PREFIX = ['ash', 'brad', 'craw', 'dal', 'hart', 'hol', 'whit', 'wood', 'black', 'brook', 'fair', 'mar',
  'pen', 'ray', 'stan', 'thorn', 'wake', 'wes', 'al', 'bar', 'cal', 'dun', 'east', 'fen', 'gold', 'ham', 'kings',
  'lang', 'mid', 'nor', 'old', 'red', 'shel', 'sud', 'wal', 'wind', 'at', 'bel', 'cran', 'elm'];
const ENGLISH_SUFFIX = ['ford', 'ley', 'ton', 'field', 'wood', 'worth', 'by', 'ham', 'well', 'more', 'bridge', 'combe',
  'dale', 'hurst', 'stead', 'cliffe', 'wick', 'thorpe', 'shaw', 'bury'];
const ENGLISH_SURNAMES = [
  ...ENGLISH_SURNAMES_REAL,
  ...ENGLISH_PREFIX.flatMap((p) => ENGLISH_SUFFIX.map((s) => p + s)),
];
const SCOTTISH_SURNAMES = [
  'macdonald', 'mackenzie', 'maclean', 'macleod', 'mackay', 'macgregor', 'mcintyre', 'mckenzie', 'mclaren',
  'campbell', 'stewart', 'robertson', 'fraser', 'cameron', 'sinclair', 'munro', 'mcpherson', 'buchanan', 'ferguson',
  'grant', 'henderson', 'kerr', 'wallace', 'urquhart', 'lindsay', 'drummond', 'crawford', 'mcallister', 'galbraith',
  'macaulay', 'mcleish', 'mccallum', 'ogilvie', 'gillespie', 'lamont', 'cunningham', 'mckay', 'menzies', 'rennie',
];
const IRISH_SURNAMES = [
  'murphy', 'kelly', "o'sullivan", 'walsh', "o'brien", 'byrne', 'ryan', "o'connor", "o'neill", "o'reilly", 'doyle',
  'mccarthy', 'gallagher', 'doherty', 'kennedy', 'lynch', 'murray', 'quinn', 'moore', 'mcloughlin', 'carroll',
  'connolly', 'daly', 'connell', 'fitzgerald', 'brennan', 'burke', 'collins', 'clarke', 'flanagan', 'mcgrath',
  'nolan', 'hegarty', 'mulligan', 'kavanagh', "o'donnell", 'mcmahon', 'dunne', 'keane', 'breen', 'fahy', 'kehoe',
];
const WELSH_SURNAMES = [
  'jones', 'williams', 'davies', 'evans', 'thomas', 'roberts', 'lewis', 'hughes', 'morgan', 'griffiths', 'owen',
  'price', 'jenkins', 'rees', 'lloyd', 'pritchard', 'parry', 'powell', 'bowen', 'vaughan', 'pugh', 'prosser', 'howells',
  'llewellyn', 'meredith', 'gwynne', 'probert', 'rhys', 'beddoes', 'bevan', 'cadwaladr', 'gruffydd', 'maddox',
];
const SOUTH_ASIAN_SURNAMES = [
  'patel', 'khan', 'ahmed', 'ali', 'hussain', 'shah', 'begum', 'akhtar', 'singh', 'kaur', 'iqbal', 'rahman', 'islam',
  'miah', 'uddin', 'chowdhury', 'mahmood', 'malik', 'bibi', 'sharma', 'kumar', 'gupta', 'mistry', 'parmar', 'desai',
  'joshi', 'mehta', 'chauhan', 'sandhu', 'gill', 'dhillon', 'sidhu', 'bains', 'rana', 'qureshi', 'siddiqui', 'javed',
  'aziz', 'nawaz', 'rashid', 'sheikh', 'butt', 'mirza', 'anwar', 'choudhury', 'hossain', 'karim', 'bhatti', 'saleem',
  'aslam', 'raza', 'naqvi', 'bhatt', 'pandya', 'solanki', 'lad', 'vaghela', 'thakkar', 'reddy', 'nair', 'pillai',
];
const POLISH_SURNAMES = [
  'nowak', 'kowalska', 'wisniewska', 'wojcik', 'kowalczyk', 'kaminska', 'lewandowska', 'zielinska', 'szymanska',
  'wozniak', 'dabrowska', 'kozlowska', 'jankowska', 'mazur', 'kwiatkowska', 'krawczyk', 'piotrowska', 'grabowska',
  'nowakowska', 'pawlowska', 'michalska', 'nowicka', 'adamczyk', 'dudek', 'zajac', 'wieczorek', 'jablonska', 'krol',
  'majewska', 'olszewska', 'jaworska', 'wrobel', 'malinowska', 'pawlak', 'witkowska', 'walczak', 'stepien', 'gorska',
];
const ROMANIAN_SURNAMES = [
  'popescu', 'ionescu', 'popa', 'pop', 'radu', 'dumitru', 'stan', 'stoica', 'gheorghe', 'matei', 'ciobanu', 'rusu',
  'constantin', 'munteanu', 'florea', 'mihai', 'marin', 'tudor', 'lazar', 'dinu', 'moldovan', 'barbu', 'ene',
  'dobre', 'nistor', 'serban', 'neagu', 'cristea', 'diaconu', 'toma', 'ursu', 'iordache',
];
const NIGERIAN_SURNAMES = [
  'okafor', 'okonkwo', 'adeyemi', 'adebayo', 'oluwole', 'okeke', 'eze', 'nwosu', 'ogunleye', 'babatunde', 'afolabi',
  'balogun', 'chukwu', 'obi', 'onyekachi', 'adeleke', 'ogunbiyi', 'akinola', 'ibrahim', 'bello', 'olawale', 'okoro',
  'uche', 'nwachukwu', 'ogundipe', 'fashola', 'oyelaran', 'ojo', 'adewale', 'odukoya', 'amadi', 'ekwueme', 'ugwu',
];
const SOMALI_SURNAMES = [
  'mohamed', 'ahmed', 'hassan', 'ali', 'abdi', 'omar', 'ibrahim', 'yusuf', 'farah', 'warsame', 'jama', 'hussein',
  'osman', 'abdullahi', 'aden', 'nur', 'egal', 'duale', 'guled', 'hersi', 'ismail', 'mohamud', 'elmi', 'abdirahman',
  'said', 'dahir', 'artan', 'noor', 'sheikh', 'abukar',
];
const CHINESE_SURNAMES = [
  'wang', 'li', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun', 'ma', 'zhu', 'hu', 'guo',
  'he', 'lin', 'luo', 'gao', 'zheng', 'liang', 'xie', 'tang', 'song', 'wong', 'chan', 'cheung', 'lau', 'ng', 'ho',
  'leung', 'tsang', 'yip', 'lam', 'chow', 'kwok', 'fung',
];
const CARIBBEAN_SURNAMES = [
  'campbell', 'brown', 'williams', 'thompson', 'johnson', 'clarke', 'francis', 'grant', 'reid', 'bailey', 'henry',
  'richards', 'gordon', 'lewis', 'james', 'morgan', 'samuels', 'mcfarlane', 'forbes', 'dacosta', 'bartley',
  'wellington', 'blackwood', 'gayle', 'lindo', 'ricketts', 'mcpherson', 'facey', 'powell', 'daley', 'hylton',
  'bryan', 'sinclair', 'beckford', 'nembhard', 'stennett',
];

export const ORIGINS: readonly Origin[] = [
  { name: 'English', weight: 0.52, forenames: ENGLISH_FORENAMES, surnames: ENGLISH_SURNAMES },
  { name: 'Scottish', weight: 0.05, forenames: SCOTTISH_FORENAMES, surnames: SCOTTISH_SURNAMES },
  { name: 'Irish', weight: 0.05, forenames: IRISH_FORENAMES, surnames: IRISH_SURNAMES },
  { name: 'Welsh', weight: 0.04, forenames: WELSH_FORENAMES, surnames: WELSH_SURNAMES },
  { name: 'South Asian', weight: 0.1, forenames: SOUTH_ASIAN_FORENAMES, surnames: SOUTH_ASIAN_SURNAMES },
  { name: 'Polish', weight: 0.06, forenames: POLISH_FORENAMES, surnames: POLISH_SURNAMES },
  { name: 'Romanian', weight: 0.04, forenames: ROMANIAN_FORENAMES, surnames: ROMANIAN_SURNAMES },
  { name: 'Nigerian', weight: 0.05, forenames: NIGERIAN_FORENAMES, surnames: NIGERIAN_SURNAMES },
  { name: 'Somali', weight: 0.03, forenames: SOMALI_FORENAMES, surnames: SOMALI_SURNAMES },
  { name: 'Chinese', weight: 0.03, forenames: CHINESE_FORENAMES, surnames: CHINESE_SURNAMES },
  { name: 'Caribbean', weight: 0.03, forenames: CARIBBEAN_FORENAMES, surnames: CARIBBEAN_SURNAMES },
];

/** Partners' surnames for "surname change": drawn from any origin. */
export const ALL_SURNAMES: readonly string[] = [...new Set(ORIGINS.flatMap((o) => o.surnames))];
